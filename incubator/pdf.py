"""HTML to PDF with WeasyPrint, reading only the application's static files: never the network."""

from __future__ import annotations

import mimetypes
from pathlib import Path
from urllib.parse import unquote, urlsplit

from flask import Response, current_app


class ForbiddenResource(ValueError):
    """A document asked for something outside the static folder."""


def _static_path(url: str, root: Path) -> Path:
    parts = urlsplit(url)
    if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
        raise ForbiddenResource(f"not fetched (only the static folder is): {url}")
    path = Path(unquote(parts.path)).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        raise ForbiddenResource(f"not fetched (outside the static folder): {url}")
    return path


def _fetcher(root: Path):
    """A URL fetcher for this WeasyPrint: a URLFetcher subclass (v66+) or a function returning a dict."""
    import weasyprint.urls as urls

    if hasattr(urls, "URLFetcher") and hasattr(urls, "URLFetcherResponse"):
        class StaticOnly(urls.URLFetcher):
            def fetch(self, url, headers=None):
                path = _static_path(url, root)
                mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                return urls.URLFetcherResponse(path.as_uri(), path.read_bytes(), {"Content-Type": mime})

        return StaticOnly(allowed_protocols=("file",))

    def fetch(url):
        path = _static_path(url, root)
        return {"string": path.read_bytes(), "mime_type": mimetypes.guess_type(path.name)[0],
                "redirected_url": path.as_uri()}

    return fetch


def html_to_pdf(html: str) -> bytes:
    """The PDF of a page whose relative URLs (stylesheets, images) point into the static folder."""
    from weasyprint import HTML

    root = Path(current_app.static_folder).resolve()
    return HTML(string=html, base_url=root.as_uri() + "/", url_fetcher=_fetcher(root)).write_pdf()


def pdf_response(pdf: bytes, filename: str) -> Response:
    """Shown in the browser (inline), saved under a readable ASCII name."""
    response = Response(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response
