from wagtail import hooks

from accounts.admin_membership import membership_request_viewset
from accounts.admin_views import organisation_viewset


@hooks.register("register_admin_viewset")
def register_organisation_viewset():
    return organisation_viewset


@hooks.register("register_admin_viewset")
def register_membership_request_viewset():
    return membership_request_viewset
