"""Browser tests: headless Chromium (Debian's chromium + chromium-driver) driven by Selenium
against the app served on loopback, with axe-core (npm) checking every page at levels A and AA.

On a developer machine without the browser these tests are skipped with a loud message; in CI
(`CI=true`) a missing browser or axe-core fails the run instead.
"""

from __future__ import annotations

import json
import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import make_server

HERE = Path(__file__).resolve().parent
AXE_SCRIPT = HERE / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = HERE / "screenshots"
CHROMIUM = os.environ.get("BOOKING_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("BOOKING_CHROMEDRIVER", "/usr/bin/chromedriver")
WIDTHS = (1280, 375)
REFLOW_WIDTH = 320
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

_missing: list[str] = []


def _what_is_missing() -> list[str]:
    missing = []
    if not (shutil.which(CHROMIUM) or Path(CHROMIUM).exists()):
        missing.append(f"Chromium ({CHROMIUM}; Debian package 'chromium')")
    if not (shutil.which(CHROMEDRIVER) or Path(CHROMEDRIVER).exists()):
        missing.append(f"ChromeDriver ({CHROMEDRIVER}; Debian package 'chromium-driver')")
    if not AXE_SCRIPT.exists():
        missing.append(f"axe-core ({AXE_SCRIPT}; `npm ci --prefix tests/e2e`)")
    return missing


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Say loudly that the browser tests did not run (also from xdist's controller process)."""
    missing = _missing or _what_is_missing()
    if missing:
        terminalreporter.write_sep("!", "BROWSER TESTS SKIPPED", red=True, bold=True)
        for item in missing:
            terminalreporter.write_line(f"  missing: {item}", red=True)
        terminalreporter.write_line(
            "  install: apt-get install -y chromium chromium-driver && npm ci --prefix tests/e2e",
            red=True,
        )


class LiveServer:
    """The app under test served by a threaded werkzeug server on 127.0.0.1."""

    def __init__(self, app: Flask) -> None:
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.thread.join(timeout=10)


@pytest.fixture(scope="session")
def live_server(app: Flask) -> Iterator[LiveServer]:
    """The app on a real loopback port (one per run)."""
    server = LiveServer(app)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def _driver() -> Iterator[Any]:
    missing = _what_is_missing()
    if missing:
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail("CI=true but the browser tests cannot run; missing: " + "; ".join(missing))
        _missing[:] = missing
        pytest.skip("browser tests need " + "; ".join(missing))
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-quic",
        "--no-first-run",
        "--lang=sv-SE",
        "--window-size=1280,900",
    ):
        options.add_argument(argument)
    # Swedish first, as a browser in Sweden would ask; tests switch language with the page's link.
    options.add_experimental_option("prefs", {"intl.accept_languages": "sv-SE,sv"})
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()


class Browser:
    """One test's view of the browser: visit pages, check them with axe, take screenshots."""

    def __init__(self, driver: Any, base_url: str, test_name: str) -> None:
        self.driver = driver
        self.base_url = base_url
        self.test_name = test_name
        self._axe_source: str | None = None

    def visit(self, path: str) -> None:
        """Open a path (or a full URL) of the server under test."""
        url = path if path.startswith("http") else self.base_url + path
        self.driver.get(url)

    @property
    def path(self) -> str:
        """The current URL without the server's origin."""
        url: str = self.driver.current_url
        return url.removeprefix(self.base_url)

    def find(self, css: str) -> Any:
        """The one element matching a CSS selector."""
        from selenium.webdriver.common.by import By

        return self.driver.find_element(By.CSS_SELECTOR, css)

    def find_all(self, css: str) -> list[Any]:
        """Every element matching a CSS selector."""
        from selenium.webdriver.common.by import By

        return list(self.driver.find_elements(By.CSS_SELECTOR, css))

    def text(self, css: str = "main") -> str:
        """The visible text of an element (default: the page's main content)."""
        return str(self.find(css).text)

    def fill(self, css: str, value: str) -> None:
        """Clear a field and type into it."""
        element = self.find(css)
        element.clear()
        element.send_keys(value)

    def click(self, css: str) -> None:
        """Click an element; after a link or a submit button, wait until the next page is in.

        Without the wait, the test would look for the next page's elements on the old page.
        """
        element = self.find(css)
        navigates = self.driver.execute_script(
            "const e = arguments[0];"
            "if (e.tagName === 'A') return !e.hasAttribute('download')"
            " && !(e.getAttribute('href') || '').startsWith('#');"
            "return (e.tagName === 'BUTTON' && (e.type || 'submit') === 'submit')"
            " || (e.tagName === 'INPUT' && e.type === 'submit');",
            element,
        )
        if not navigates:
            element.click()
            return
        self.driver.execute_script("window.__previousPage = true;")
        element.click()
        self.wait_for_next_page()

    def press_enter(self) -> None:
        """Press Enter on the focused element (a link or submit button); wait for the next page."""
        from selenium.webdriver.common.keys import Keys

        self.driver.execute_script("window.__previousPage = true;")
        self.driver.switch_to.active_element.send_keys(Keys.ENTER)
        self.wait_for_next_page()

    def wait_for_next_page(self) -> None:
        """Wait until a new page (without the old window's marker) has loaded completely."""
        from selenium.common.exceptions import WebDriverException
        from selenium.webdriver.support.ui import WebDriverWait

        def loaded(driver: Any) -> bool:
            try:
                return bool(
                    driver.execute_script(
                        "return !window.__previousPage && document.readyState === 'complete';"
                    )
                )
            except WebDriverException:
                return False  # asked mid-navigation: ask again

        WebDriverWait(self.driver, 15).until(loaded)

    def check(self, step: str) -> None:
        """Screenshot this page at every width and assert axe finds no A/AA violation at any."""
        SCREENSHOTS.mkdir(exist_ok=True)
        problems: list[str] = []
        try:
            for width in (*WIDTHS, REFLOW_WIDTH):
                self._emulate(width, 900)
                if width == REFLOW_WIDTH:
                    # WCAG 1.4.10 Reflow: at 320 CSS px nothing may need sideways scrolling.
                    overflow = self.driver.execute_script(
                        "return document.documentElement.scrollWidth"
                        " - document.documentElement.clientWidth"
                    )
                    if int(overflow) > 1:
                        problems.append(f"[{width}px] the page scrolls sideways by {overflow}px")
                    continue
                height = self.driver.execute_script("return document.documentElement.scrollHeight")
                self._emulate(width, min(max(int(height), 600), 8000))
                path = SCREENSHOTS / f"{self.test_name}--{step}--{width}.png"
                self.driver.save_screenshot(str(path))
                for violation in self._axe():
                    nodes = "; ".join(node["target"] for node in violation["nodes"][:5])
                    problems.append(
                        f"[{width}px] {violation['id']} ({violation['impact']}): "
                        f"{violation['help']} at {nodes}"
                    )
        finally:
            self.driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
        assert not problems, f"accessibility problems on step {step!r}:\n" + "\n".join(problems)

    def _emulate(self, width: int, height: int) -> None:
        # A desktop window cannot be narrower than about 500 px: emulate the device instead.
        self.driver.execute_cdp_cmd(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600},
        )

    def _axe(self) -> list[dict[str, Any]]:
        if self._axe_source is None:
            self._axe_source = AXE_SCRIPT.read_text()
        self.driver.execute_script(self._axe_source)
        options = json.dumps({"runOnly": {"type": "tag", "values": AXE_TAGS}})
        script = (
            "const done = arguments[arguments.length - 1];"
            f"axe.run(document, {options}).then("
            " r => done(JSON.stringify(r.violations.map(v => ({id: v.id, impact: v.impact,"
            "  help: v.help, nodes: v.nodes.map(n => ({target: n.target.join(' ')}))})))),"
            " e => done(JSON.stringify([{id: 'axe-error', impact: 'n/a', help: String(e),"
            "  nodes: []}])));"
        )
        self.driver.set_script_timeout(60)
        result: list[dict[str, Any]] = json.loads(self.driver.execute_async_script(script))
        return result

    def press_tab_until(self, css: str, limit: int = 80) -> None:
        """Move focus with the Tab key alone until the element matching `css` has it."""
        from selenium.webdriver.common.action_chains import ActionChains
        from selenium.webdriver.common.keys import Keys

        target = self.find(css)
        for _ in range(limit):
            if self.driver.switch_to.active_element == target:
                return
            ActionChains(self.driver).send_keys(Keys.TAB).perform()
        raise AssertionError(f"{css} never received focus by Tab")


@pytest.fixture
def browser(
    _driver: Any, live_server: LiveServer, app: Flask, request: pytest.FixtureRequest
) -> Iterator[Browser]:
    """A browser with no cookies, on the live server (whose public URL the links then use)."""
    _driver.delete_all_cookies()
    previous = app.config["BOOKING_PUBLIC_URL"]
    app.config["BOOKING_PUBLIC_URL"] = live_server.url
    try:
        yield Browser(_driver, live_server.url, request.node.name)
    finally:
        app.config["BOOKING_PUBLIC_URL"] = previous
        # Cookies are per origin: the next test starts on a blank page of this origin, logged out.
        _driver.get(live_server.url + "/tillganglighet")
        _driver.delete_all_cookies()
