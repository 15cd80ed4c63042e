"""The course as a learner sees it: JupyterLab in a real (headless) Chromium.

Opens notebook 01 in JupyterLab, runs every cell, moves the cost explorer's slider and
checks the bill it shows changes; opens a slide deck. Screenshots go to
``test-artifacts/browser/``. Skips, loudly, where Debian's Chromium is not installed
(``.ci/run`` installs it, so CI always runs this).
"""

from __future__ import annotations

import contextlib
import re
import shutil
import time
import warnings
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest

from tests.lab_helpers import running_lab

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts" / "browser"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

if CHROMIUM is None:
    warnings.warn(
        "Chromium is not installed: the browser test is SKIPPED "
        "(apt-get install chromium; .ci/run does this)",
        stacklevel=1,
    )
pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="Chromium is not installed (apt-get install chromium): browser test skipped",
)


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """JupyterLab on a free port, headless, as `make lab NO_BROWSER=1` starts it."""
    runtime = tmp_path_factory.mktemp("jupyter")
    settings = runtime / "settings"
    # every cell rendered (no windowing: off-screen widgets exist in the page) and no news
    # pop-up; in a private settings folder, never the user's
    for plugin, values in {
        "@jupyterlab/notebook-extension/tracker": '{"windowingMode": "none"}',
        "@jupyterlab/apputils-extension/notification": '{"fetchNews": "false"}',
    }.items():
        folder, name = plugin.rsplit("/", 1)
        (settings / folder).mkdir(parents=True, exist_ok=True)
        (settings / folder / f"{name}.jupyterlab-settings").write_text(values)
    env = dict(
        JUPYTER_RUNTIME_DIR=str(runtime),
        JUPYTERLAB_SETTINGS_DIR=str(settings),
        JUPYTERLAB_WORKSPACES_DIR=str(runtime),  # never restore or save the user's tabs
        WORKSHOP_HOME=str(runtime),
    )
    with running_lab(**env) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield chromium
        chromium.close()


@pytest.mark.slow
def test_a_notebook_runs_in_the_browser_and_its_widget_responds(lab, browser):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    # a copy without outputs or saved widget state, so that only the live kernel can draw
    # the slider, and JupyterLab's autosave can never touch the committed notebook
    copy = ARTIFACTS / "01_serverless_architecture.ipynb"
    notebook = nbformat.read(ROOT / "notebooks" / copy.name, as_version=4)
    notebook.metadata.pop("widgets", None)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    nbformat.write(notebook, copy)
    url = lab.replace("notebooks/00_welcome.ipynb", copy.relative_to(ROOT).as_posix())
    page.goto(url)
    page.wait_for_selector(".jp-Notebook .jp-Cell", state="attached", timeout=60_000)
    # the kernel has started (the indicator is "idle" before there is a kernel at all)
    page.wait_for_function(
        "() => document.querySelector('.jp-StatusBar-Widget, #jp-main-statusbar')"
        " && document.body.innerText.includes('Python 3 (ipykernel) | Idle')",
        timeout=120_000,
    )
    page.screenshot(path=str(ARTIFACTS / "01-opened.png"))
    page.click("text=Run", timeout=10_000)  # the Run menu
    page.click("text=Run All Cells", timeout=10_000)
    # the explorer's output area: its sliders and the bill they drive
    explorer = page.locator(".jp-OutputArea-output", has=page.locator(".widget-slider")).last
    handle = explorer.locator(".widget-slider .noUi-handle").first
    handle.wait_for(state="attached", timeout=180_000)
    bill = explorer.locator("pre", has_text="Lambda $").last
    bill.wait_for(state="attached", timeout=60_000)
    page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=120_000)
    handle.scroll_into_view_if_needed(timeout=60_000)
    before = bill.inner_text()
    assert "requests" in before and "vs server" in before
    # the course's custom.css: output lines wrap between words ("Max Memory", not "Mem ory")
    wrap = page.evaluate(
        "() => getComputedStyle(document.querySelector('.jp-OutputArea-output pre')).wordBreak"
    )
    assert wrap == "normal", wrap
    page.screenshot(path=str(ARTIFACTS / "01-explorer-before.png"))
    handle.focus()
    for _ in range(20):
        page.keyboard.press("PageUp")
    deadline = time.monotonic() + 30
    while bill.inner_text() == before and time.monotonic() < deadline:
        time.sleep(0.2)
    page.screenshot(path=str(ARTIFACTS / "01-explorer-after.png"))
    after = bill.inner_text()
    assert after != before, "moving the slider did not change the bill"
    assert re.search(r"^[\d,]+ requests", after)
    page.close()


VENDORED = ROOT / "build" / "slides" / "node_modules"


@contextlib.contextmanager
def _served(folder: Path) -> Iterator[str]:
    """``folder`` over HTTP on 127.0.0.1, a free port picked now; its base URL."""
    import functools
    import threading
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    handler = functools.partial(Quiet, directory=str(folder))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.skipif(
    not (VENDORED / "reveal.js").is_dir(),
    reason="no build/slides/node_modules: run `make slides OFFLINE=1` once (.ci/run does)",
)
def test_an_offline_deck_renders_and_navigates_with_the_network_blocked(browser, tmp_path):
    """`make slides OFFLINE=1` decks, served over loopback as in a room without internet:
    every request that would leave the machine is refused and recorded, and the deck must
    still show its first slide's text and move to the next slide on the right arrow."""
    from urllib.parse import urlsplit

    from workshop_lib import slides

    notebook = ROOT / "solutions" / "01_serverless_architecture.ipynb"
    (deck,) = slides.build(tmp_path, [notebook], offline=True)
    (tmp_path / slides.LOCAL).symlink_to(VENDORED, target_is_directory=True)
    html = deck.read_text()
    assert "cdnjs" not in html and "unpkg.com/@jupyter-widgets/html-manager@*" not in html.replace(
        "var widgetRendererSrc = 'https://unpkg.com/@jupyter-js-widgets", ""
    )
    leaving: list[str] = []

    def only_loopback(route) -> None:
        host = urlsplit(route.request.url).hostname or ""
        if host in ("127.0.0.1", "localhost") or route.request.url.startswith("data:"):
            route.continue_()
        else:
            leaving.append(route.request.url)
            route.abort("internetdisconnected")

    with _served(tmp_path) as base:
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.route("**/*", only_loopback)
        page.goto(f"{base}/{deck.name}")
        page.wait_for_selector(".reveal.ready", timeout=30_000)  # reveal.js initialised
        first = page.locator(".slides > section.present").first
        first.wait_for(state="visible", timeout=10_000)
        first_text = first.inner_text().strip()
        assert "serverless architecture" in first_text.lower(), first_text  # its title
        page.screenshot(path=str(ARTIFACTS / "01-slides-offline-first.png"))
        page.keyboard.press("ArrowRight")
        page.wait_for_function(
            "first => document.querySelector('.slides > section.present')"
            " && document.querySelector('.slides > section.present').innerText.trim() !== first",
            arg=first_text,
            timeout=10_000,
        )
        second_text = page.locator(".slides > section.present").first.inner_text().strip()
        page.wait_for_timeout(1200)  # the slide transition (0.8 s), for the screenshot only
        page.screenshot(path=str(ARTIFACTS / "01-slides-offline-second.png"))
        assert second_text and second_text != first_text
        assert page.url.endswith("#/1"), page.url  # reveal.js's history: the second slide
        page.close()
    assert leaving == [], f"the offline deck asked the internet for {leaving}"


def test_a_slide_deck_opens(browser, tmp_path):
    from workshop_lib import slides

    (deck,) = slides.build(tmp_path, [ROOT / "solutions" / "01_serverless_architecture.ipynb"])
    page = browser.new_page()
    page.goto(deck.as_uri())
    sections = page.locator("section").count()
    page.screenshot(path=str(ARTIFACTS / "01-slides.png"))
    assert sections >= 10
    page.close()
