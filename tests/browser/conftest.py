"""Browser tests: the app served by uvicorn on a free port of 127.0.0.1 (in a thread of the test process, on the
test database of this run), driven by Playwright with Debian's Chromium. Every page a test opens is watched: a
request to any host but 127.0.0.1 fails the test (and is refused before it leaves)."""

import socket
import threading
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
import uvicorn
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# 127.0.0.2: the test identity provider of tests/oidc_provider.py (another site than the registry, as Microsoft is)
LOCAL_HOSTS = {"127.0.0.1", "127.0.0.2"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def server(migrated_database) -> Iterator[str]:
    from app.main import app

    port = _free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False, log_config=None)
    instance = uvicorn.Server(config)
    thread = threading.Thread(target=instance.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not instance.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the web server did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    instance.should_exit = True
    thread.join(10)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def context(browser: Browser, server: str) -> Iterator[BrowserContext]:
    """A fresh browser profile (no cookies) whose every request is checked to stay on 127.0.0.1."""
    ctx = browser.new_context(base_url=server, locale="da-DK", viewport={"width": 1280, "height": 900})
    elsewhere: list[str] = []

    def guard(route):
        host = urlsplit(route.request.url).hostname
        if route.request.url.startswith(("data:", "blob:")) or host in LOCAL_HOSTS:
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort()

    ctx.route("**/*", guard)
    seen: list[str] = []
    ctx.on("request", lambda request: seen.append(request.url))
    yield ctx
    ctx.close()
    assert seen, "the test made no request"
    assert not elsewhere, f"requests left 127.0.0.1: {elsewhere}"
    assert {urlsplit(u).hostname for u in seen if not u.startswith(("data:", "blob:"))} <= LOCAL_HOSTS


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()


def sign_in(page: Page, token: str) -> None:
    page.goto("/login")
    page.get_by_label("Personligt token").fill(token)
    page.get_by_role("button", name="Log ind").click()
    page.wait_for_url("**/")
