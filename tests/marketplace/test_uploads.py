"""Listing images and PDF attachments (spec §3, §11): checks, storage, thumbnails, serving.

Every file here is real: images are made by Pillow in memory, the bomb is a
genuine PNG whose header claims a huge size, the PDF is a minimal valid one.
"""

from __future__ import annotations

import io
import struct
import zlib
from datetime import timedelta
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from lib.errors import DomainError, NotAllowed
from marketplace.models import ListingAttachment, ListingImage, ListingStatus
from marketplace.services import files as file_services
from marketplace.tasks import expire_needs, make_thumbnail
from marketplace.uploads import validate_image, validate_pdf
from tests import factories

pytestmark = pytest.mark.django_db

MINIMAL_PDF = (
    b"%PDF-1.4\n"
    b"1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
    b"xref\n0 4\n0000000000 65535 f \n0000000009 00000 n \n"
    b"0000000052 00000 n \n0000000101 00000 n \n"
    b"trailer<</Size 4/Root 1 0 R>>\nstartxref\n164\n%%EOF\n"
)
HTML_PAGE = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"


# --- real files, made here ---------------------------------------------------------
def image_bytes(fmt: str, size=(64, 48), mode="RGB", color=(200, 30, 30), **save) -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size, color).save(buffer, format=fmt, **save)
    return buffer.getvalue()


def bomb_png(width: int, height: int) -> bytes:
    """A 1×1 PNG whose IHDR (with a correct CRC) claims width × height pixels."""
    data = bytearray(image_bytes("PNG", size=(1, 1)))
    assert data[12:16] == b"IHDR"
    data[16:24] = struct.pack(">II", width, height)
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(data[12:29])))
    return bytes(data)


def upload(name: str, content: bytes, content_type: str = "application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def refusal(validator, file) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        validator(file)
    return caught.value


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def stored_files(root) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


# --- validate_image -------------------------------------------------------------------
@pytest.mark.parametrize(
    "fmt, extension", [("PNG", "png"), ("JPEG", "jpg"), ("GIF", "gif"), ("WEBP", "webp")]
)
def test_real_images_are_accepted_and_named_by_their_true_type(fmt, extension):
    # The browser's name and type are lies on purpose: only the bytes count.
    file = upload("photo.exe", image_bytes(fmt), "text/plain")
    assert validate_image(file) == extension


def test_text_file_renamed_png_is_refused():
    error = refusal(validate_image, upload("logo.png", b"just some text\n" * 20, "image/png"))
    assert error.code == "image_invalid"
    assert "图片格式不支持" in error.messages[0]


def test_html_renamed_gif_is_refused():
    error = refusal(validate_image, upload("x.gif", HTML_PAGE, "image/gif"))
    assert error.code == "image_invalid"


def test_real_image_of_a_format_we_do_not_take_is_refused():
    error = refusal(validate_image, upload("scan.png", image_bytes("BMP"), "image/png"))
    assert error.code == "image_invalid"


def test_truncated_png_is_refused():
    whole = image_bytes("PNG", size=(300, 200), color=(1, 2, 3))
    error = refusal(validate_image, upload("cut.png", whole[: len(whole) // 2], "image/png"))
    assert error.code == "image_invalid"


def test_empty_image_is_refused():
    assert refusal(validate_image, upload("empty.png", b"", "image/png")).code == "image_empty"


def test_image_over_the_default_5_mib_is_refused_before_it_is_parsed():
    file = upload("huge.png", b"\x89PNG" + b"\0" * (5 * 1024 * 1024 - 3), "image/png")
    error = refusal(validate_image, file)
    assert error.code == "image_too_big"
    assert "图片不能超过" in error.messages[0]


def test_image_size_limit_comes_from_settings(settings):
    settings.LISTING_IMAGE_MAX_BYTES = 100
    noisy = image_bytes("PNG", size=(50, 50))
    assert len(noisy) > 100
    assert refusal(validate_image, upload("a.png", noisy)).code == "image_too_big"


@pytest.mark.parametrize(
    "width, height",
    [
        (8000, 6000),  # 48 MP: over our 40 MP, under Pillow's own warning
        (10000, 10000),  # 100 MP: Pillow's DecompressionBombWarning
        (30000, 30000),  # 900 MP: Pillow's DecompressionBombError
    ],
)
def test_png_whose_header_claims_a_huge_size_is_refused_before_decoding(width, height):
    # The pixel data is that of a 1×1 image: had it been decoded, the error would
    # be "not an image"; the bomb code proves the header size was checked first.
    file = upload("bomb.png", bomb_png(width, height), "image/png")
    with mock.patch.object(Image.Image, "load", side_effect=AssertionError("decoded")):
        error = refusal(validate_image, file)
    assert error.code == "image_too_many_pixels"
    assert "图片尺寸过大" in error.messages[0]


def test_highly_compressible_large_image_is_refused_by_the_pixel_limit(settings):
    settings.LISTING_IMAGE_MAX_PIXELS = 1_000_000
    flat = image_bytes("PNG", size=(2000, 1000), mode="L", color=0)
    assert len(flat) < 20_000  # tiny on the wire, 2 MP once decoded
    assert refusal(validate_image, upload("flat.png", flat)).code == "image_too_many_pixels"


def test_image_just_under_the_pixel_limit_is_accepted(settings):
    settings.LISTING_IMAGE_MAX_PIXELS = 2000 * 1000
    flat = image_bytes("PNG", size=(2000, 1000), mode="L", color=0)
    assert validate_image(upload("flat.png", flat)) == "png"


# --- validate_pdf ---------------------------------------------------------------------
def test_minimal_pdf_is_accepted():
    assert validate_pdf(upload("report.pdf", MINIMAL_PDF, "application/pdf")) is None


def test_html_renamed_pdf_is_refused():
    error = refusal(validate_pdf, upload("report.pdf", HTML_PAGE, "application/pdf"))
    assert error.code == "pdf_invalid"
    assert "附件只接受 PDF 文件" in error.messages[0]


def test_image_renamed_pdf_is_refused():
    error = refusal(validate_pdf, upload("report.pdf", image_bytes("PNG"), "application/pdf"))
    assert error.code == "pdf_invalid"


def test_pdf_over_the_default_20_mib_is_refused():
    big = MINIMAL_PDF + b"\0" * (20 * 1024 * 1024 - len(MINIMAL_PDF) + 1)
    error = refusal(validate_pdf, upload("big.pdf", big, "application/pdf"))
    assert error.code == "pdf_too_big"
    assert "附件不能超过" in error.messages[0]


def test_pdf_size_limit_comes_from_settings(settings):
    settings.LISTING_ATTACHMENT_MAX_BYTES = 100
    assert refusal(validate_pdf, upload("a.pdf", MINIMAL_PDF)).code == "pdf_too_big"


# --- services -------------------------------------------------------------------------
@pytest.fixture
def draft(personas):
    return factories.achievement(personas.organisation, status=ListingStatus.DRAFT)


@pytest.fixture
def published(personas):
    return factories.achievement(personas.organisation, status=ListingStatus.PUBLISHED)


@pytest.mark.parametrize("who", ["owner", "colleague"])
def test_members_add_an_image_stored_under_a_random_name(personas, draft, media_root, who):
    # A PNG that calls itself a GIF is stored as what it is.
    file = upload("我的照片-secret.gif", image_bytes("PNG", size=(64, 48)), "image/gif")
    image = file_services.listing_add_image(
        listing=draft, by=getattr(personas, who), file=file, alt_text=" 样机照片 "
    )
    assert image.listing == draft
    assert image.alt_text == "样机照片"
    assert (image.width, image.height) == (64, 48)
    assert image.image.name.startswith("listing-images/")
    assert image.image.name.endswith(".png")
    assert "secret" not in image.image.name and "照片" not in image.image.name
    assert stored_files(media_root) == [image.image.name]


@pytest.mark.parametrize("who", ["outsider", "staff"])
def test_outsiders_and_staff_cannot_add_images(personas, draft, media_root, who):
    with pytest.raises(NotAllowed):
        file_services.listing_add_image(
            listing=draft, by=getattr(personas, who), file=upload("a.png", image_bytes("PNG"))
        )
    assert not ListingImage.objects.exists()
    assert stored_files(media_root) == []


def test_anonymous_cannot_add_an_attachment(draft, media_root):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(NotAllowed):
        file_services.listing_add_attachment(
            listing=draft, by=AnonymousUser(), file=upload("a.pdf", MINIMAL_PDF)
        )
    assert stored_files(media_root) == []


def test_refused_image_is_not_stored(personas, draft, media_root):
    with pytest.raises(ValidationError):
        file_services.listing_add_image(
            listing=draft, by=personas.owner, file=upload("a.png", b"not an image")
        )
    assert not ListingImage.objects.exists()
    assert stored_files(media_root) == []


def test_a_listing_takes_at_most_eight_images(personas, draft):
    for n in range(8):
        file_services.listing_add_image(
            listing=draft, by=personas.owner, file=upload(f"{n}.png", image_bytes("PNG"))
        )
    with pytest.raises(DomainError) as caught:
        file_services.listing_add_image(
            listing=draft, by=personas.owner, file=upload("9.png", image_bytes("PNG"))
        )
    assert "最多上传 8 张图片" in caught.value.messages[0]
    assert ListingImage.objects.count() == 8


def test_a_listing_takes_at_most_eight_attachments(personas, draft):
    for n in range(8):
        file_services.listing_add_attachment(
            listing=draft, by=personas.owner, file=upload(f"{n}.pdf", MINIMAL_PDF)
        )
    with pytest.raises(DomainError) as caught:
        file_services.listing_add_attachment(
            listing=draft, by=personas.owner, file=upload("9.pdf", MINIMAL_PDF)
        )
    assert "最多上传 8 个附件" in caught.value.messages[0]


def test_archived_listing_takes_no_new_files(personas):
    archived = factories.achievement(personas.organisation, status=ListingStatus.ARCHIVED)
    with pytest.raises(DomainError):
        file_services.listing_add_image(
            listing=archived, by=personas.owner, file=upload("a.png", image_bytes("PNG"))
        )


def test_member_adds_a_pdf_stored_under_a_random_name(personas, draft, media_root):
    attachment = file_services.listing_add_attachment(
        listing=draft, by=personas.owner, file=upload("内部报价单.pdf", MINIMAL_PDF)
    )
    assert attachment.title == "内部报价单"  # a label only
    assert attachment.size == len(MINIMAL_PDF)
    assert attachment.file.name.startswith("listing-files/")
    assert attachment.file.name.endswith(".pdf")
    assert "报价" not in attachment.file.name
    assert (media_root / attachment.file.name).read_bytes() == MINIMAL_PDF


@pytest.mark.parametrize("who", ["outsider", "staff"])
def test_outsiders_and_staff_cannot_add_attachments(personas, draft, media_root, who):
    with pytest.raises(NotAllowed):
        file_services.listing_add_attachment(
            listing=draft, by=getattr(personas, who), file=upload("a.pdf", MINIMAL_PDF)
        )
    assert not ListingAttachment.objects.exists()
    assert stored_files(media_root) == []


def test_html_renamed_pdf_is_not_attached(personas, draft, media_root):
    with pytest.raises(ValidationError) as caught:
        file_services.listing_add_attachment(
            listing=draft, by=personas.owner, file=upload("a.pdf", HTML_PAGE, "application/pdf")
        )
    assert caught.value.code == "pdf_invalid"
    assert stored_files(media_root) == []


def test_removing_an_image_deletes_its_files(
    personas, draft, media_root, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        image = file_services.listing_add_image(
            listing=draft, by=personas.owner, file=upload("a.png", image_bytes("PNG"))
        )
    image.refresh_from_db()
    assert len(stored_files(media_root)) == 2  # the image and its thumbnail
    with pytest.raises(NotAllowed):
        file_services.listing_remove_image(image=image, by=personas.outsider)
    assert len(stored_files(media_root)) == 2
    with django_capture_on_commit_callbacks(execute=True):
        file_services.listing_remove_image(image=image, by=personas.colleague)
    assert not ListingImage.objects.exists()
    assert stored_files(media_root) == []


def test_removing_an_attachment_deletes_its_file(
    personas, draft, media_root, django_capture_on_commit_callbacks
):
    attachment = file_services.listing_add_attachment(
        listing=draft, by=personas.owner, file=upload("a.pdf", MINIMAL_PDF)
    )
    with pytest.raises(NotAllowed):
        file_services.listing_remove_attachment(attachment=attachment, by=personas.staff)
    with django_capture_on_commit_callbacks(execute=True):
        file_services.listing_remove_attachment(attachment=attachment, by=personas.owner)
    assert not ListingAttachment.objects.exists()
    assert stored_files(media_root) == []


def test_thumbnail_is_enqueued_only_after_the_commit(
    personas, draft, django_capture_on_commit_callbacks
):
    with mock.patch.object(make_thumbnail, "delay") as delay:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            image = file_services.listing_add_image(
                listing=draft, by=personas.owner, file=upload("a.png", image_bytes("PNG"))
            )
        delay.assert_not_called()
        for callback in callbacks:
            callback()
    delay.assert_called_once_with(image.pk)


def test_upload_succeeds_when_the_broker_is_down(
    personas, draft, django_capture_on_commit_callbacks
):
    with mock.patch.object(make_thumbnail, "delay", side_effect=ConnectionError("no broker")):
        with django_capture_on_commit_callbacks(execute=True):
            image = file_services.listing_add_image(
                listing=draft, by=personas.owner, file=upload("a.png", image_bytes("PNG"))
            )
    assert ListingImage.objects.filter(pk=image.pk).exists()


# --- the thumbnail task ---------------------------------------------------------------
def _add(listing, by, content: bytes) -> ListingImage:
    # Without on-commit callbacks running, the task has not run yet.
    return file_services.listing_add_image(listing=listing, by=by, file=upload("x", content))


def test_thumbnail_fits_480_by_360_and_a_second_run_is_a_no_op(personas, draft, media_root):
    image = _add(draft, personas.owner, image_bytes("PNG", size=(1600, 1000)))
    assert not image.thumbnail

    assert make_thumbnail.delay(image.pk).get() is True
    image.refresh_from_db()
    first = image.thumbnail.name
    assert first.startswith("listing-thumbs/") and first.endswith(".jpg")
    with Image.open(media_root / first) as thumb:
        assert thumb.format == "JPEG"
        assert thumb.size == (480, 300)

    assert make_thumbnail.delay(image.pk).get() is False
    image.refresh_from_db()
    assert image.thumbnail.name == first
    assert len(stored_files(media_root / "listing-thumbs")) == 1


def test_thumbnail_applies_exif_orientation(personas, draft, media_root):
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90° clockwise to display"
    landscape_on_disk = image_bytes("JPEG", size=(1600, 1200), exif=exif)
    image = _add(draft, personas.owner, landscape_on_disk)
    make_thumbnail(image.pk)
    image.refresh_from_db()
    with Image.open(media_root / image.thumbnail.name) as thumb:
        assert thumb.size == (270, 360)  # shown upright: portrait


def test_thumbnail_flattens_transparency_on_white(personas, draft, media_root):
    image = _add(draft, personas.owner, image_bytes("PNG", size=(40, 40), mode="RGBA", color=0))
    make_thumbnail(image.pk)
    image.refresh_from_db()
    with Image.open(media_root / image.thumbnail.name) as thumb:
        assert thumb.mode == "RGB"
        assert all(channel > 245 for channel in thumb.getpixel((20, 20)))


def test_thumbnail_of_a_gif_with_a_palette(personas, draft, media_root):
    image = _add(draft, personas.owner, image_bytes("GIF", size=(900, 900), mode="P", color=3))
    make_thumbnail(image.pk)
    image.refresh_from_db()
    with Image.open(media_root / image.thumbnail.name) as thumb:
        assert thumb.size == (360, 360)


def test_thumbnail_task_for_a_removed_image_does_nothing():
    assert make_thumbnail(987654) is False


def test_expire_needs_task_archives_needs_past_their_date(personas):
    enterprise = factories.organisation(kind="enterprise")
    yesterday = timezone.localdate() - timedelta(days=1)
    expired = factories.need(enterprise, valid_until=yesterday)
    current = factories.need(enterprise, valid_until=timezone.localdate() + timedelta(days=9))
    assert expire_needs.delay().get() == 1
    expired.refresh_from_db()
    current.refresh_from_db()
    assert expired.status == ListingStatus.ARCHIVED
    assert current.status == ListingStatus.PUBLISHED


# --- serve_media ----------------------------------------------------------------------
def media_url(name: str) -> str:
    return reverse("marketplace:media", args=[name])


def _get(client, user, url):
    if user is not None:
        client.force_login(user)
    return client.get(url)


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_published_image_is_served_to_anyone_with_safety_headers(client, personas, published):
    content = image_bytes("PNG")
    image = file_services.listing_add_image(
        listing=published, by=personas.owner, file=upload("a.png", content)
    )
    response = client.get(media_url(image.image.name))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "default-src 'none'; img-src 'self'; sandbox"
    assert response["Cache-Control"] == "private, max-age=3600"
    assert "Content-Disposition" not in response
    assert _body(response) == content


def test_published_thumbnail_is_served_as_jpeg(client, personas, published):
    image = _add(published, personas.owner, image_bytes("WEBP", size=(800, 600)))
    make_thumbnail(image.pk)
    image.refresh_from_db()
    response = client.get(media_url(image.thumbnail.name))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"


@pytest.mark.parametrize(
    "who, expected",
    [("owner", 200), ("colleague", 200), ("staff", 200), ("outsider", 404), ("anonymous", 404)],
)
def test_draft_attachment_is_served_only_to_its_organisation_and_staff(
    client, personas, draft, who, expected
):
    attachment = file_services.listing_add_attachment(
        listing=draft, by=personas.owner, file=upload("内部资料.pdf", MINIMAL_PDF)
    )
    user = None if who == "anonymous" else getattr(personas, who)
    response = _get(client, user, media_url(attachment.file.name))
    assert response.status_code == expected
    if expected == 200:
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"] == 'inline; filename="attachment.pdf"'
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Security-Policy"] == (
            "default-src 'none'; img-src 'self'; sandbox"
        )
        assert response["Cache-Control"] == "private, max-age=3600"
        assert _body(response) == MINIMAL_PDF
    else:
        assert MINIMAL_PDF not in response.content


@pytest.mark.parametrize("who", ["outsider", "anonymous"])
def test_draft_image_is_hidden_from_outsiders(client, personas, draft, who):
    image = _add(draft, personas.owner, image_bytes("PNG"))
    user = None if who == "anonymous" else personas.outsider
    assert _get(client, user, media_url(image.image.name)).status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/media/listing-images/../../secret.txt",
        "/media/listing-images/../secret.txt",
        "/media/listing-images/%2e%2e/%2e%2e/secret.txt",
        "/media/listing-images/..%2f..%2fsecret.txt",
        "/media/listing-images//secret.txt",
        "/media/listing-images/./secret.png",
        "/media/listing-images\\..\\secret.txt",
    ],
)
def test_path_traversal_is_not_found(client, personas, media_root, path):
    (media_root / "secret.txt").write_text("top secret")
    (media_root / "listing-images").mkdir(exist_ok=True)
    (media_root / "listing-images" / "secret.png").write_bytes(image_bytes("PNG"))
    response = client.get(path)
    assert response.status_code == 404
    assert b"top secret" not in response.content


def test_files_outside_the_listing_folders_are_not_found(client, personas, media_root):
    (media_root / "original_images").mkdir()
    (media_root / "original_images" / "a.png").write_bytes(image_bytes("PNG"))
    (media_root / "a.png").write_bytes(image_bytes("PNG"))
    assert client.get("/media/original_images/a.png").status_code == 404
    assert client.get("/media/a.png").status_code == 404


def test_stray_file_in_a_listing_folder_that_no_listing_owns_is_not_found(client, media_root):
    (media_root / "listing-images" / "ab").mkdir(parents=True)
    (media_root / "listing-images" / "ab" / "stray.png").write_bytes(image_bytes("PNG"))
    assert client.get("/media/listing-images/ab/stray.png").status_code == 404


def test_only_get_and_head_are_answered(client, personas, published):
    image = _add(published, personas.owner, image_bytes("PNG"))
    assert client.head(media_url(image.image.name)).status_code == 200
    assert client.post(media_url(image.image.name)).status_code == 405
