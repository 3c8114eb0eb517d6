"""StreamField blocks: links for the navigation and footer, home page sections, page bodies."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.blocks import StructBlockValidationError
from wagtail.images.blocks import ImageChooserBlock


def validate_link(value: str) -> None:
    """A site path (/news/) or a full http(s) address; nothing else ends up in an href."""
    if value.startswith("/") and not value.startswith("//"):
        return
    URLValidator(schemes=["http", "https"])(value)


class LinkBlock(blocks.StructBlock):
    """One link of the navigation or the footer: a label and a site path or address.

    A path rather than a page chooser: the menu is drawn on every page, and a path costs
    no query to turn into a URL (spec §11: a bounded number of queries per page).
    """

    label = blocks.CharBlock(label=_("名称"), max_length=20)
    label_en = blocks.CharBlock(label=_("英文名称"), max_length=40, required=False)
    url = blocks.CharBlock(
        label=_("链接"),
        max_length=300,
        help_text=_("站内路径（如 /news/）或完整网址（https://…）"),
    )

    def clean(self, value):
        value = super().clean(value)
        try:
            validate_link(value["url"])
        except ValidationError:
            raise StructBlockValidationError(
                block_errors={
                    "url": ValidationError(_("请填写以 / 开头的站内路径或 http(s) 网址。"))
                }
            ) from None
        return value

    class Meta:
        icon = "link"
        label = _("链接")


class TextSectionBlock(blocks.StructBlock):
    heading = blocks.CharBlock(label=_("标题"), max_length=80, required=False)
    body = blocks.RichTextBlock(
        label=_("正文"), features=["bold", "italic", "link", "ol", "ul", "h3"]
    )

    class Meta:
        icon = "doc-full"
        label = _("图文段落")
        template = "cms/blocks/text_section.html"


class CardBlock(blocks.StructBlock):
    title = blocks.CharBlock(label=_("标题"), max_length=40)
    text = blocks.TextBlock(label=_("说明"), max_length=200, required=False)
    url = blocks.CharBlock(
        label=_("链接"), max_length=300, required=False, validators=[validate_link]
    )

    class Meta:
        icon = "form"
        label = _("卡片")


class CardsSectionBlock(blocks.StructBlock):
    heading = blocks.CharBlock(label=_("标题"), max_length=80, required=False)
    cards = blocks.ListBlock(CardBlock(), label=_("卡片"))

    class Meta:
        icon = "table"
        label = _("卡片组")
        template = "cms/blocks/cards_section.html"


class CallToActionBlock(blocks.StructBlock):
    title = blocks.CharBlock(label=_("标题"), max_length=80)
    text = blocks.TextBlock(label=_("说明"), max_length=300, required=False)
    button_label = blocks.CharBlock(label=_("按钮文字"), max_length=20)
    url = blocks.CharBlock(label=_("链接"), max_length=300, validators=[validate_link])

    class Meta:
        icon = "pick"
        label = _("行动号召")
        template = "cms/blocks/call_to_action.html"


class HomeSectionsBlock(blocks.StreamBlock):
    text = TextSectionBlock()
    cards = CardsSectionBlock()
    call_to_action = CallToActionBlock()


class FigureBlock(blocks.StructBlock):
    """An image in a page body; its alt text is the image's description (or title)."""

    image = ImageChooserBlock(label=_("图片"))
    caption = blocks.CharBlock(label=_("图注"), max_length=200, required=False)

    class Meta:
        icon = "image"
        label = _("图片")
        template = "cms/blocks/figure.html"


class BodyBlock(blocks.StreamBlock):
    heading = blocks.CharBlock(
        label=_("小标题"), max_length=80, form_classname="title", template="cms/blocks/heading.html"
    )
    paragraph = blocks.RichTextBlock(
        label=_("正文"), features=["bold", "italic", "link", "document-link", "ol", "ul", "h3"]
    )
    figure = FigureBlock()
    quote = blocks.BlockQuoteBlock(label=_("引文"))
