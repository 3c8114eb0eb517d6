"""Checks on uploaded listing files, and the Pillow work done on them (spec §3, §11).

Nothing the browser says is trusted: not the file name, not its extension, not
its content type. Images are identified by Pillow from their bytes; PDFs by
their signature. The validators raise Django's ValidationError with a specific,
translated message and a stable code, so forms show them like any other error.
"""

from __future__ import annotations

import io
import warnings
from typing import IO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import Image, ImageOps

DEFAULT_IMAGE_MAX_BYTES = 5 * 1024 * 1024
DEFAULT_IMAGE_MAX_PIXELS = 40_000_000
DEFAULT_ATTACHMENT_MAX_BYTES = 20 * 1024 * 1024

# Pillow format name → the extension we store the file under. Only these
# decoders are ever tried on an upload (Image.open(formats=...)), so exotic
# formats never reach a parser. The JPEG decoder reports camera files with
# several pictures as "MPO"; they are JPEGs to every browser.
IMAGE_FORMATS = ("JPEG", "PNG", "WEBP", "GIF")
IMAGE_EXTENSIONS = {"JPEG": "jpg", "MPO": "jpg", "PNG": "png", "WEBP": "webp", "GIF": "gif"}

PDF_SIGNATURE = b"%PDF-"

THUMBNAIL_SIZE = (480, 360)
THUMBNAIL_QUALITY = 85


def image_max_bytes() -> int:
    return getattr(settings, "LISTING_IMAGE_MAX_BYTES", DEFAULT_IMAGE_MAX_BYTES)


def image_max_pixels() -> int:
    return getattr(settings, "LISTING_IMAGE_MAX_PIXELS", DEFAULT_IMAGE_MAX_PIXELS)


def attachment_max_bytes() -> int:
    return getattr(settings, "LISTING_ATTACHMENT_MAX_BYTES", DEFAULT_ATTACHMENT_MAX_BYTES)


def file_size(file: IO[bytes]) -> int:
    size = getattr(file, "size", None)
    if size is None:
        position = file.tell()
        file.seek(0, io.SEEK_END)
        size = file.tell()
        file.seek(position)
    return size


def _read_all(file: IO[bytes]) -> bytes:
    file.seek(0)
    data = file.read()
    file.seek(0)
    return data


def _too_many_pixels() -> ValidationError:
    return ValidationError(
        _("图片尺寸过大（超过 %(megapixels)d 百万像素），请缩小后再上传。"),
        code="image_too_many_pixels",
        params={"megapixels": image_max_pixels() // 1_000_000},
    )


def _not_an_image() -> ValidationError:
    return ValidationError(
        _("图片格式不支持，请上传 JPEG、PNG、WEBP 或 GIF 格式的图片。"),
        code="image_invalid",
    )


def _open_checked(data: bytes) -> Image.Image:
    """Open an image from its bytes and check its header size before any pixel is decoded.

    Pillow's own decompression-bomb warning and error are turned into our
    validation error too, in case its limit is met before ours.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data), formats=IMAGE_FORMATS)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise _too_many_pixels() from None
        except Exception:  # noqa: BLE001 — any parser failure means "not an image we take"
            raise _not_an_image() from None
    width, height = image.size
    if width < 1 or height < 1 or width * height > image_max_pixels():
        image.close()
        raise _too_many_pixels()
    if image.format not in IMAGE_EXTENSIONS:
        image.close()
        raise _not_an_image()
    return image


def validate_image(file: IO[bytes]) -> str:
    """Refuse anything but a real JPEG, PNG, WEBP or GIF of a sane size.

    Returns the extension the image is to be stored under ("jpg", "png",
    "webp" or "gif"), taken from what Pillow found, never from the upload's name.
    """
    limit = image_max_bytes()
    size = file_size(file)
    if size > limit:
        raise ValidationError(
            _("图片不能超过 %(limit)s，当前文件为 %(size)s。"),
            code="image_too_big",
            params={"limit": filesizeformat(limit), "size": filesizeformat(size)},
        )
    if size == 0:
        raise ValidationError(_("上传的图片是空文件。"), code="image_empty")
    data = _read_all(file)

    # 1. Header only: the format and the claimed size, checked before decoding pixels.
    image = _open_checked(data)
    extension = IMAGE_EXTENSIONS[image.format]
    # 2. verify() checks the structure (PNG chunk checksums and the like)...
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image.verify()
    except Exception:  # noqa: BLE001
        raise _not_an_image() from None
    finally:
        image.close()
    # 3. ...and, since verify() leaves the image unusable, a fresh open decodes
    # it, so a truncated or corrupt file is refused now, not in the thumbnail task.
    image = _open_checked(data)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            if image.format in ("JPEG", "MPO"):
                # Decode at reduced scale: every byte is still read, far less memory.
                image.draft("RGB", THUMBNAIL_SIZE)
            image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _too_many_pixels() from None
    except Exception:  # noqa: BLE001
        raise _not_an_image() from None
    finally:
        image.close()
    return extension


def validate_pdf(file: IO[bytes]) -> None:
    """Refuse anything but a PDF (by its signature) within the size limit."""
    limit = attachment_max_bytes()
    size = file_size(file)
    if size > limit:
        raise ValidationError(
            _("附件不能超过 %(limit)s，当前文件为 %(size)s。"),
            code="pdf_too_big",
            params={"limit": filesizeformat(limit), "size": filesizeformat(size)},
        )
    file.seek(0)
    head = file.read(len(PDF_SIGNATURE))
    file.seek(0)
    if head != PDF_SIGNATURE:
        raise ValidationError(_("附件只接受 PDF 文件。"), code="pdf_invalid")


def render_thumbnail(data: bytes) -> bytes:
    """A JPEG of at most 480×360 from an image's bytes: EXIF rotation applied,
    transparency flattened on white. Raises ValidationError for a bad image."""
    image = _open_checked(data)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            if image.format in ("JPEG", "MPO"):
                image.draft("RGB", (THUMBNAIL_SIZE[0] * 2, THUMBNAIL_SIZE[1] * 2))
            image.load()
            upright = ImageOps.exif_transpose(image)
            upright.thumbnail(THUMBNAIL_SIZE, Image.Resampling.LANCZOS)
            flat = _flatten_on_white(upright)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _too_many_pixels() from None
    except ValidationError:
        raise
    except Exception:  # noqa: BLE001
        raise _not_an_image() from None
    finally:
        image.close()
    out = io.BytesIO()
    flat.save(out, format="JPEG", quality=THUMBNAIL_QUALITY, optimize=True)
    return out.getvalue()


def _flatten_on_white(image: Image.Image) -> Image.Image:
    if image.mode == "RGB":
        return image
    has_alpha = image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or (
        image.mode == "P" and "transparency" in image.info
    )
    if not has_alpha:
        return image.convert("RGB")
    rgba = image.convert("RGBA")
    background = Image.new("RGB", rgba.size, (255, 255, 255))
    background.paste(rgba, mask=rgba.getchannel("A"))
    return background
