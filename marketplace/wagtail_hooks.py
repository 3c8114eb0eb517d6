"""Bureau screens in the Wagtail admin: the 审核 (review) menu and the 代码表 (code lists) menu."""

from django.utils.translation import gettext_lazy
from wagtail import hooks
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.permissions import register_permission_policy

from marketplace.admin_views.bulk import ApproveListingsBulkAction, ReturnListingsBulkAction
from marketplace.admin_views.codelists import CODE_LIST_MODELS, CodeListGroup, codelist_policy
from marketplace.admin_views.review import achievement_review_viewset, need_review_viewset
from marketplace.admin_views.revisions import revision_review_viewset

# Registered at import, before any view asks for these models' policies (Wagtail requires it).
for _model in CODE_LIST_MODELS:
    register_permission_policy(_model, codelist_policy(_model))


class ReviewGroup(ViewSetGroup):
    menu_label = gettext_lazy("审核")
    menu_icon = "tasks"
    menu_order = 190
    items = (achievement_review_viewset, need_review_viewset, revision_review_viewset)


@hooks.register("register_admin_viewset")
def register_review_viewsets():
    return ReviewGroup()


@hooks.register("register_admin_viewset")
def register_codelist_viewsets():
    return CodeListGroup()


hooks.register("register_bulk_action", ApproveListingsBulkAction)
hooks.register("register_bulk_action", ReturnListingsBulkAction)


# --- 合同登记: contracts, offline import, targets and the ledger (spec §6, §7) -------------
from marketplace.admin_views.contracts import contract_viewset  # noqa: E402
from marketplace.admin_views.imports import contract_import_viewset  # noqa: E402
from marketplace.admin_views.targets import target_viewset  # noqa: E402


class ContractGroup(ViewSetGroup):
    menu_label = gettext_lazy("合同登记")
    menu_icon = "doc-full-inverse"
    menu_order = 195
    items = (contract_viewset, contract_import_viewset, target_viewset)


@hooks.register("register_admin_viewset")
def register_contract_viewsets():
    return ContractGroup()


# --- 数据看板: the bureau dashboard lives on the site (/dashboard/, spec §8) ---------------
from django.urls import reverse  # noqa: E402
from wagtail.admin.menu import MenuItem  # noqa: E402

from accounts.selectors import is_bureau_staff  # noqa: E402


class BureauStaffMenuItem(MenuItem):
    def is_shown(self, request):
        return is_bureau_staff(request.user)


@hooks.register("register_admin_menu_item")
def register_dashboard_menu_item():
    return BureauStaffMenuItem(
        gettext_lazy("数据看板"), reverse("marketplace:dashboard"), icon_name="view", order=196
    )


# --- 揭榜挂帅: the bureau's challenge screens live on the site (/challenges/manage/, spec §4) --
@hooks.register("register_admin_menu_item")
def register_challenge_menu_item():
    return BureauStaffMenuItem(
        gettext_lazy("揭榜挂帅"),
        reverse("marketplace:challenge_manage_index"),
        icon_name="pick",
        order=197,
    )
