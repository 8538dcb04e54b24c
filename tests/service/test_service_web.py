"""The web page in headless Chromium (Debian's `chromium`, driven by Playwright): search, comps,
audience chart, and a new-title prediction; a screenshot is taken and checked.

Needs `apt-get install -y chromium` and `pip install playwright` (never `playwright install`).
"""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest

from tests.service.conftest import free_port

pytestmark = pytest.mark.neo4j

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture
def browser():
    """Headless Chromium; a missing browser fails the test with the line that installs it."""
    if not Path(CHROMIUM).exists() and shutil.which("chromium") is None:
        pytest.fail("Chromium is not installed: run `apt-get update && apt-get install -y chromium`")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("Playwright is not installed: run `pip install playwright` (not `playwright install`)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def live_url(app):
    """`app` served over real HTTP on a free loopback port while the test runs."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", free_port(), app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


def assert_not_blank(png_path: Path) -> None:
    """The screenshot has real content: many distinct colours, not one flat fill."""
    from PIL import Image

    with Image.open(png_path) as image:
        colours = image.convert("RGB").getcolors(maxcolors=1_000_000)
    assert colours is not None and len(colours) > 50, f"{png_path} looks blank"


def test_search_comps_and_audience_chart(browser, live_url, tmp_path):
    page = browser.new_page(viewport={"width": 1200, "height": 1000})
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(live_url + "/")
    page.fill("#search-input", "money heist")
    page.click("#search-form button")
    page.wait_for_selector("#search-results li[data-id='svc-es1']")
    page.click("#search-results li[data-id='svc-es1']")
    page.wait_for_function("document.querySelector('#audience-chart').dataset.bars === '4'")
    assert page.text_content("#title-heading") == "La casa de papel"
    assert "Observed" in page.text_content("#audience-heading")
    assert page.locator("#audience-chart rect").count() == 4
    page.wait_for_selector("#comps tbody tr")
    assert page.locator("#comps tbody tr").count() == 10  # 3 stored comps + 7 from the vector index
    shot = tmp_path / "web-title.png"
    page.screenshot(path=str(shot), full_page=True)
    assert_not_blank(shot)
    assert errors == []


@pytest.fixture
def model_url(model_app):
    """`model_app` (tiny trained model loaded) over real HTTP on a free loopback port."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", free_port(), model_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


def test_new_title_prediction(browser, model_url, tmp_path):
    page = browser.new_page(viewport={"width": 1200, "height": 1000})
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(model_url + "/")
    form = "#predict-form"
    page.fill(f"{form} [name=title]", "Seoul Night Shift")
    page.fill(f"{form} [name=summary]", "A detective hunts a serial killer through Seoul's police stations.")
    page.fill(f"{form} [name=genres]", "Crime TV Shows, Westerns on Mars")
    page.fill(f"{form} [name=countries]", "KR")
    page.click(f"{form} button")
    page.wait_for_selector("#predict-comps tbody tr")
    assert page.locator("#predict-comps tbody tr").count() == 10
    assert page.text_content("#predict-message").startswith("model ")
    warnings = page.text_content("#predict-warnings")
    assert "Westerns on Mars" in warnings and "audience" in warnings
    shot = tmp_path / "web-predict.png"
    page.screenshot(path=str(shot), full_page=True)
    assert_not_blank(shot)
    assert errors == []
