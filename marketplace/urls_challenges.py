"""Challenge routes (spec §4, §10); included under the ``marketplace`` namespace."""

from django.urls import path

from marketplace.views import (
    challenge_applications,
    challenge_execution,
    challenge_reviews,
    challenge_staff,
    challenges,
)

urlpatterns = [
    path("challenges/", challenges.challenge_list, name="challenge_list"),
    path("challenges/new/", challenges.challenge_new, name="challenge_new"),
    path("challenges/mine/", challenges.challenge_mine, name="challenge_mine"),
    path("challenges/reviews/", challenge_reviews.review_index, name="challenge_reviews"),
    path("challenges/manage/", challenge_staff.manage_index, name="challenge_manage_index"),
    path("challenges/<int:pk>/", challenges.challenge_detail, name="challenge_detail"),
    path("challenges/<int:pk>/edit/", challenges.challenge_edit, name="challenge_edit"),
    path("challenges/<int:pk>/submit/", challenges.challenge_submit, name="challenge_submit"),
    path("challenges/<int:pk>/cancel/", challenges.challenge_cancel, name="challenge_cancel"),
    path(
        "challenges/<int:pk>/attachments/<int:attachment_id>/",
        challenges.challenge_attachment,
        name="challenge_attachment",
    ),
    path(
        "challenges/<int:pk>/attachments/<int:attachment_id>/delete/",
        challenges.challenge_attachment_delete,
        name="challenge_attachment_delete",
    ),
    # 揭榜申请
    path(
        "challenges/<int:pk>/apply/", challenge_applications.challenge_apply, name="challenge_apply"
    ),
    path(
        "challenges/<int:pk>/applications/<int:application_id>/",
        challenge_applications.application_detail,
        name="challenge_application",
    ),
    path(
        "challenges/<int:pk>/applications/<int:application_id>/withdraw/",
        challenge_applications.application_withdraw,
        name="challenge_application_withdraw",
    ),
    path(
        "challenges/<int:pk>/applications/<int:application_id>/file/",
        challenge_applications.application_file,
        name="challenge_application_file",
    ),
    # 评审 (experts)
    path("challenges/<int:pk>/review/", challenge_reviews.review_detail, name="challenge_review"),
    path(
        "challenges/<int:pk>/review/<int:application_id>/score/",
        challenge_reviews.review_score,
        name="challenge_score",
    ),
    path(
        "challenges/<int:pk>/review/<int:application_id>/conflict/",
        challenge_reviews.review_conflict,
        name="challenge_conflict",
    ),
    # bureau staff
    path("challenges/<int:pk>/manage/", challenge_staff.manage_detail, name="challenge_manage"),
    path(
        "challenges/<int:pk>/manage/<slug:action>/",
        challenge_staff.manage_action,
        name="challenge_manage_action",
    ),
    # 攻关
    path(
        "challenges/<int:pk>/milestones/",
        challenge_execution.milestone_add,
        name="challenge_milestone_add",
    ),
    path(
        "challenges/<int:pk>/execute/",
        challenge_execution.execution_start,
        name="challenge_execute",
    ),
    path(
        "challenges/<int:pk>/milestones/<int:milestone_id>/done/",
        challenge_execution.milestone_done,
        name="challenge_milestone_done",
    ),
    path(
        "challenges/<int:pk>/milestones/<int:milestone_id>/file/",
        challenge_execution.milestone_file,
        name="challenge_milestone_file",
    ),
]
