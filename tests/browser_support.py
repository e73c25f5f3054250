"""Real-browser test support: Debian's chromium, a server on the test database, and the page audit.

The audit of a page: axe-core (WCAG 2.1 A and AA rules) finds no serious or critical violation,
the console shows no error or warning, no Content-Security-Policy violation is reported, and at
375 px wide the page does not scroll sideways.
"""

from __future__ import annotations

import logging
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from werkzeug.serving import make_server

from incubator import create_app
from incubator.extensions import db

# Debian's chromium, never a browser Playwright downloads: `.ci/run` installs it.
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts" / "browser"
PASSWORD = "demo-incubateur"  # the demo accounts' password

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
FAILING_IMPACTS = {"serious", "critical"}
NARROW = 375  # px: the page reflows without sideways scrolling (WCAG 1.4.10)

# Every page reports its Content-Security-Policy violations here; injected by the browser itself
# (DevTools protocol), so the app's policy stays as strict as it is.
CSP_LISTENER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(e.violatedDirective + " blocked " + (e.blockedURI || "inline")
                              + (e.sourceFile ? " at " + e.sourceFile + ":" + e.lineNumber : ""));
});
"""


def chromium_available() -> bool:
    return Path(CHROMIUM).exists()


@contextmanager
def serve(uri: str) -> Iterator[str]:
    """The app served over HTTP on a free port, on the database at `uri`; yields its base URL."""
    served = create_app({"SECRET_KEY": "browser-test", "SQLALCHEMY_DATABASE_URI": uri})
    requests_log = logging.getLogger("werkzeug")
    level = requests_log.level
    requests_log.setLevel(logging.WARNING)  # one line per request drowns the report of a failure
    server = make_server("127.0.0.1", 0, served, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()  # the listening socket, or a ResourceWarning fails a later test
        thread.join(timeout=10)
        requests_log.setLevel(level)
        with served.app_context():
            db.engine.dispose()


def launch(playwright):
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


def new_page(browser, *, width: int = 1280):
    """A page in a context of its own (its own cookies), recording its console errors."""
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="fr-FR")
    context.add_init_script(CSP_LISTENER)
    context.set_default_timeout(10_000)  # a missing element fails in seconds, not half a minute
    page = context.new_page()
    page.problems = []

    def on_console(msg):
        if msg.type not in ("error", "warning"):
            return
        where = (msg.location or {}).get("url", "")
        # The browser logs a main document answered 4xx (an error page, a refused form) as an error;
        # the tests check those statuses themselves. A stylesheet or picture failing still counts.
        if msg.text.startswith("Failed to load resource") and where.split("#")[0] == page.url.split("#")[0]:
            return
        page.problems.append(f"console {msg.type}: {msg.text} ({where})")

    page.on("console", on_console)
    page.on("pageerror", lambda exc: page.problems.append(f"page error: {exc}"))
    return page


def login(page, base: str, role: str) -> None:
    """Log in as a demo account (`agent`, `staff`, ... or any demo e-mail's local part)."""
    page.goto(f"{base}/login")
    page.fill("#email", f"{role}@demo.incubateur.fr")
    page.fill("#password", PASSWORD)
    page.locator("main form[action='/login'] button[type=submit]").click()
    page.wait_for_url(f"{base}/")


def logout(page) -> None:
    page.click("header form[action='/logout'] button")
    page.wait_for_url("**/login")  # logged out before the next page is asked for


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def save_report(name: str, text: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / name).write_text(text + "\n")


# --- the audit ------------------------------------------------------------------------------------

@dataclass
class Finding:
    page: str  # which page type
    kind: str  # axe, console, csp, reflow
    text: str

    def __str__(self) -> str:
        return f"[{self.page}] {self.kind}: {self.text}"


@dataclass
class Audit:
    """What the pages of a test got wrong, reported together at the end."""

    findings: list[Finding] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)
    _axe: object = None

    def axe(self):
        if self._axe is None:
            from axe_playwright_python.sync_playwright import Axe

            self._axe = Axe()
        return self._axe

    def check(self, page, name: str, *, reflow: bool = True) -> None:
        """Audit the page as it is now (call it once the page has loaded)."""
        self.checked.append(name)
        results = self.axe().run(page, options={
            "runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]})
        for violation in results.response["violations"]:
            if violation.get("impact") not in FAILING_IMPACTS:
                continue
            targets = ", ".join(" ".join(node["target"]) for node in violation["nodes"][:5])
            more = len(violation["nodes"]) - 5
            self.findings.append(Finding(name, "axe", (
                f"{violation['id']} ({violation['impact']}): {violation['help']}; "
                f"{targets}{f' and {more} more' if more > 0 else ''}; {violation['helpUrl']}")))
        for violation in page.evaluate("window.__cspViolations || []"):
            self.findings.append(Finding(name, "csp", violation))
        while page.problems:
            self.findings.append(Finding(name, "console", page.problems.pop(0)))
        if reflow:
            self.check_reflow(page, name)

    def check_reflow(self, page, name: str) -> None:
        size = page.viewport_size
        page.set_viewport_size({"width": NARROW, "height": size["height"]})
        try:
            overflow = page.evaluate("""() => {
              const width = document.documentElement.clientWidth;
              if (document.documentElement.scrollWidth <= width) return null;
              // The widest elements sticking out, outside any scroll container of their own.
              const out = [];
              for (const el of document.body.querySelectorAll("*")) {
                const box = el.getBoundingClientRect();
                const right = box.left + Math.max(box.width, el.scrollWidth);  // its box, or text beyond it
                if (right <= width + 1 || box.width === 0) continue;
                let scrolled = false;
                for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
                  const style = getComputedStyle(p);
                  if (["auto", "scroll", "hidden", "clip"].includes(style.overflowX)) { scrolled = true; break; }
                }
                if (!scrolled) out.push(el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
                                        + (el.className && typeof el.className === "string"
                                           ? "." + el.className.trim().split(/\\s+/).join(".") : "")
                                        + " right=" + Math.round(right));
              }
              return {scrollWidth: document.documentElement.scrollWidth, elements: out.slice(0, 5)};
            }""")
        finally:
            page.set_viewport_size(size)
        if overflow:
            self.findings.append(Finding(name, "reflow", (
                f"at {NARROW} px the page is {overflow['scrollWidth']} px wide: "
                + "; ".join(overflow["elements"]))))

    def report(self) -> str:
        lines = [f"{len(self.findings)} problem(s) on {len(self.checked)} page(s):"]
        lines += [f"  {f}" for f in self.findings]
        return "\n".join(lines)
