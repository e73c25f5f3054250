"""A project's portfolio: a printable page, its PDF and its Markdown."""

from __future__ import annotations

from flask import Response, abort, render_template
from flask_login import current_user, login_required

from ..clock import utcnow
from ..pdf import html_to_pdf, pdf_response
from ..policy import can_view_project
from ..templating import locale_code
from . import bp
from .forms_evidence import METHOD_LABELS, VERDICT_LABELS
from .portfolio import decision_label, load_portfolio, load_project, number, render_markdown_portfolio


def _portfolio_or_404(project_id: int):
    project = load_project(project_id)
    if project is None or not can_view_project(current_user, project):
        abort(404)
    return load_portfolio(project, utcnow(), locale_code())


def _render(portfolio, *, for_print: bool) -> str:
    return render_template(
        "incubation/portfolio.html", p=portfolio, project=portfolio.project, call=portfolio.call,
        programme=portfolio.programme, for_print=for_print, method_labels=METHOD_LABELS,
        verdict_labels=VERDICT_LABELS, decision_label=decision_label, number=number,
    )


def _attachment(response: Response, filename: str) -> Response:
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/projects/<int:project_id>/portfolio")
@login_required
def portfolio(project_id: int):
    return _render(_portfolio_or_404(project_id), for_print=False)


@bp.route("/projects/<int:project_id>/portfolio.pdf")
@login_required
def portfolio_pdf(project_id: int):
    html = _render(_portfolio_or_404(project_id), for_print=True)
    return _attachment(pdf_response(html_to_pdf(html), f"portfolio-{project_id}.pdf"),
                       f"portfolio-{project_id}.pdf")


@bp.route("/projects/<int:project_id>/portfolio.md")
@login_required
def portfolio_markdown(project_id: int):
    text = render_markdown_portfolio(_portfolio_or_404(project_id))
    return _attachment(Response(text, mimetype="text/markdown"), f"portfolio-{project_id}.md")
