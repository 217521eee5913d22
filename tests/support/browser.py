"""The console in a real browser: the application served by uvicorn on 127.0.0.1 in a thread of
the test process, and Debian's Chromium driven by its own chromedriver (headless).

Nothing here downloads a browser or a driver: both paths are given explicitly, so Selenium
Manager is never asked, and it is told to stay offline in case anything would ask it.
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

import uvicorn
from selenium import webdriver
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import Select, WebDriverWait
from sqlalchemy import Engine, create_engine
from starlette.applications import Starlette

from kulturskole.web.app import create_app
from kulturskole.web.security import LoginThrottle

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
WINDOW = (1280, 900)
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "var" / "screenshots"  # test artefacts, never committed (var/ is ignored)

os.environ.setdefault("SE_OFFLINE", "true")
os.environ.setdefault("SE_AVOID_STATS", "true")


def missing_browser() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    absent = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not p.exists()]
    if absent:
        return f"{' and '.join(absent)} not installed (apt-get install chromium chromium-driver)"
    return None


@dataclass
class ConsoleServer:
    """One real console for the whole session; each test points it at its own database."""

    app: Starlette
    server: uvicorn.Server
    thread: threading.Thread
    port: int
    base: str = field(init=False)

    def __post_init__(self) -> None:
        self.base = f"http://127.0.0.1:{self.port}"

    def use(self, engine: Engine, today: date) -> None:
        """Serve ``engine`` from now on, with ``today`` as the console's date, a fresh login
        throttle and no jobs of an earlier test."""
        self.app.state.engine = engine
        self.set_today(today)
        self.app.state.throttle = LoginThrottle()
        self.app.state.jobs = {}

    def set_today(self, today: date) -> None:
        self.app.state.today = lambda: today

    def url(self, path: str) -> str:
        return self.base + path

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=15)


def start_console() -> ConsoleServer:
    """The application on a free port of 127.0.0.1, served by uvicorn in a daemon thread (no
    signal handlers: uvicorn installs them only in the main thread). Until a test calls
    ``use``, it serves an empty in-memory database."""
    placeholder = create_engine("sqlite://")
    app = create_app(placeholder, secret="browser-test-secret", today=date.today)
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", server_header=False, lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [listener]}, name="console", daemon=True
    )
    thread.start()
    _wait_until(lambda: server.started, 20, "the console did not start")
    return ConsoleServer(app, server, thread, port)


def start_browser(downloads: Path) -> WebDriver:
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--lang=nb-NO",
        f"--window-size={WINDOW[0]},{WINDOW[1]}",
    ):
        options.add_argument(argument)
    options.add_experimental_option(
        "prefs",
        {
            "intl.accept_languages": "nb-NO,nb,no",
            "download.default_directory": str(downloads),
            "download.prompt_for_download": False,
            "plugins.always_open_pdf_externally": True,  # a PDF link downloads, not previews
        },
    )
    # (Debian's chromium carries only the en-US UI locale unless chromium-l10n is installed: date
    # inputs then show mm/dd/yyyy in screenshots; the pages themselves are nb_NO either way.)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(60)
    return driver


def screenshot(driver: WebDriver, name: str) -> Path:
    """The whole page (not only the window) as ``var/screenshots/<name>.png``."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    height = driver.execute_script(
        "return Math.max(document.body.scrollHeight, document.documentElement.scrollHeight)"
    )
    driver.set_window_size(WINDOW[0], min(max(WINDOW[1], int(height) + 140), 8000))
    try:
        driver.save_screenshot(str(path))
    finally:
        driver.set_window_size(*WINDOW)
    return path


def wait_for_download(folder: Path, suffix: str, timeout: float = 30) -> Path:
    """The first finished file ending in ``suffix`` that appears in ``folder``."""
    found: list[Path] = []

    def finished() -> bool:
        found[:] = [p for p in folder.glob(f"*{suffix}") if p.stat().st_size > 0]
        partial = list(folder.glob("*.crdownload"))
        return bool(found) and not partial

    _wait_until(finished, timeout, f"no {suffix} file downloaded to {folder}")
    return found[0]


def _wait_until(condition: Callable[[], bool], timeout: float, message: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(message)
        time.sleep(0.05)


class Browser:
    """The session's browser on this test's console: open pages, fill and send forms, wait."""

    def __init__(self, driver: WebDriver, console: ConsoleServer) -> None:
        self.driver = driver
        self.console = console

    def open(self, path: str) -> None:
        self.driver.get(self.console.url(path))

    @property
    def path(self) -> str:
        parts = urlsplit(self.driver.current_url)
        return parts.path + (f"?{parts.query}" if parts.query else "")

    def find(self, css: str) -> WebElement:
        return self.driver.find_element(By.CSS_SELECTOR, css)

    def finds(self, css: str) -> list[WebElement]:
        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def text(self, css: str = "main") -> str:
        return self.find(css).text

    def fill(self, css: str, value: str) -> None:
        field = self.find(css)
        field.clear()
        field.send_keys(value)

    def set_value(self, css: str, value: str) -> None:
        """Set an input's value directly (a date input's typing order depends on the locale)."""
        self.driver.execute_script(
            "arguments[0].value = arguments[1];"
            "arguments[0].dispatchEvent(new Event('change', {bubbles: true}));",
            self.find(css),
            value,
        )

    def choose(self, css: str, value: str) -> None:

        Select(self.find(css)).select_by_value(value)

    def submit(self, css: str) -> None:
        """Click a button (or link) that leads to a new page, say yes to a ``data-confirm``
        question, and wait for the new page."""

        before = self.driver.find_element(By.TAG_NAME, "html")
        self.find(css).click()
        with contextlib.suppress(NoAlertPresentException):
            self.driver.switch_to.alert.accept()
        WebDriverWait(self.driver, 30, poll_frequency=0.02).until(ec.staleness_of(before))
        self.wait_for("body")

    def wait_for(self, css: str, timeout: float = 30) -> WebElement:
        return WebDriverWait(self.driver, timeout, poll_frequency=0.05).until(
            ec.presence_of_element_located((By.CSS_SELECTOR, css))
        )

    def login(self, email: str, password: str) -> None:
        self.open("/login")
        self.fill("input[name=email]", email)
        self.fill("input[name=password]", password)
        self.submit("form button[type=submit]")

    def logout(self) -> None:
        self.submit("form.who button[type=submit]")

    def shot(self, name: str) -> Path:
        return screenshot(self.driver, name)

    def downloads_to(self, folder: Path) -> Path:
        """Downloads go to ``folder`` from now on."""
        folder.mkdir(parents=True, exist_ok=True)
        self.driver.execute_cdp_cmd(
            "Browser.setDownloadBehavior",
            {"behavior": "allow", "downloadPath": str(folder), "eventsEnabled": True},
        )
        return folder

    def cookies(self) -> dict[str, str]:
        return {c["name"]: c["value"] for c in self.driver.get_cookies()}

    def reset(self) -> None:
        """Forget every cookie and leave the page (its polling stops with it)."""
        self.driver.get("about:blank")
        self.driver.execute_cdp_cmd("Network.clearBrowserCookies", {})
