"""Evidence files: checked by size and by their first bytes, kept under UPLOAD_FOLDER (never static/)."""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _

# The types we keep, each recognised by its first bytes: the name and the browser's word are not proof.
SIGNATURES = {
    "application/pdf": ((b"%PDF-",), (".pdf",)),
    "image/png": ((b"\x89PNG\r\n\x1a\n",), (".png",)),
    "image/jpeg": ((b"\xff\xd8\xff",), (".jpg", ".jpeg")),
    "image/webp": ((b"RIFF",), (".webp",)),
}
ACCEPT = ",".join(ext for _sigs, exts in SIGNATURES.values() for ext in exts)
CHUNK = 64 * 1024


class UploadRefused(ValueError):
    """A file we do not keep; the message says why, for the person who sent it."""


@dataclass
class CheckedFile:
    filename: str
    content_type: str
    data: bytes
    sha256: str

    @property
    def size(self) -> int:
        return len(self.data)


def max_bytes() -> int:
    return int(current_app.config["UPLOAD_MAX_BYTES"])


def human_size(size: int) -> str:
    from flask_babel import format_decimal

    if size >= 1024 * 1024:
        return _("%(n)s MB", n=format_decimal(round(size / (1024 * 1024), 1)))
    return _("%(n)s KB", n=format_decimal(max(1, round(size / 1024))))


def clean_filename(name: str) -> str:
    name = unicodedata.normalize("NFC", os.path.basename((name or "").replace("\\", "/"))).strip()
    name = re.sub(r"[\x00-\x1f\x7f/]", "", name)[:200]
    return name or "fichier"


def check(storage) -> CheckedFile:
    """Read an uploaded file (a werkzeug FileStorage) and refuse it unless it is small and of a kept type."""
    filename = clean_filename(storage.filename or "")
    limit = max_bytes()
    chunks, size = [], 0
    while True:
        chunk = storage.stream.read(CHUNK)
        if not chunk:
            break
        size += len(chunk)
        if size > limit:
            raise UploadRefused(_("“%(name)s” is too large: %(max)s at most.", name=filename,
                                  max=human_size(limit)))
        chunks.append(chunk)
    data = b"".join(chunks)
    if not data:
        raise UploadRefused(_("“%(name)s” is empty.", name=filename))
    extension = os.path.splitext(filename)[1].lower()
    for content_type, (signatures, extensions) in SIGNATURES.items():
        if extension in extensions and any(data.startswith(s) for s in signatures):
            if content_type == "image/webp" and data[8:12] != b"WEBP":
                continue
            return CheckedFile(filename, content_type, data, hashlib.sha256(data).hexdigest())
    raise UploadRefused(_("“%(name)s” is not a kept type: only PDF, PNG, JPEG or WebP files are "
                          "accepted.", name=filename))


def folder() -> Path:
    path = Path(current_app.config["UPLOAD_FOLDER"])
    path.mkdir(parents=True, exist_ok=True)
    return path


def path_for(storage_key: str) -> Path:
    if not re.fullmatch(r"[0-9a-f]{32}", storage_key):
        raise ValueError("bad storage key")
    return folder() / storage_key[:2] / storage_key


def store(checked: CheckedFile) -> str:
    """Write the bytes under a new random key (atomically); returns the key."""
    key = secrets.token_hex(16)
    target = path_for(key)
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_suffix(".part")
    temporary.write_bytes(checked.data)
    os.replace(temporary, target)
    return key


def discard(keys) -> None:
    for key in keys:
        try:
            path_for(key).unlink()
        except (FileNotFoundError, ValueError):
            pass
