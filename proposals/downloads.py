"""Sending a file to the reader, the same way from the pages and the API: always a download (never shown
inline), named in UTF-8 with an ASCII fallback, with nosniff so that no file runs as a page of this site."""

import re
import unicodedata
from urllib.parse import quote

from flask import Response, abort, send_file

from .models import Attachment
from .operations.attachments import path_of
from .reports.files import File


def _disposition(filename: str, ascii_name: str) -> str:
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='!#$&+-.^_`|~')}"


def send(file: File, *, no_store: bool = False) -> Response:
    """A report file as a download."""
    response = Response(file.body, mimetype=file.mimetype)
    response.headers["Content-Disposition"] = _disposition(
        file.filename, re.sub(r"[^A-Za-z0-9._-]", "_", file.ascii_name)
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    if no_store:
        response.headers["Cache-Control"] = "no-store"
    return response


def attachment_disposition(attachment: Attachment) -> str:
    """`attachment` with the name in UTF-8 (RFC 5987, e.g. Chinese names) and a plain ASCII fallback."""
    stem, _, extension = attachment.filename.rpartition(".")
    ascii_stem = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode("ascii")
    ascii_stem = "".join(c if c.isalnum() or c in "._-()" else "_" for c in ascii_stem).strip("._")
    if not ascii_stem.strip("_"):
        ascii_stem = f"attachment-{attachment.id}"
    return _disposition(attachment.filename, f"{ascii_stem}.{extension}")


def send_attachment(attachment: Attachment) -> Response:
    """One stored attachment, typed by its checked content; 404 when its file is gone from the disk."""
    path = path_of(attachment)
    if not path.is_file():
        abort(404)
    response = send_file(path, mimetype=attachment.content_type, conditional=True, etag=attachment.sha256)
    response.headers["Content-Disposition"] = attachment_disposition(attachment)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.cache_control.private = True
    return response
