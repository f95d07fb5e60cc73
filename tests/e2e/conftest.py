"""Browser tests: the production build of the web app (`reflex run --env prod`, as install.sh starts it)
on a free port, the hooks listener on another (their own origin), a real worker, and headless Chromium
driven by Playwright (the system /usr/bin/chromium; no browser is downloaded). Screenshots go to
artifacts/e2e/ (not committed): look at them."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
import uuid
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect

from app.services import users
from tests.support.api_process import HOOKS_APP, ApiProcess, free_port

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "artifacts" / "e2e"
CHROMIUM = os.environ.get("RUNPAD_CHROMIUM", "/usr/bin/chromium")
BUILD_TIMEOUT = 1200  # the first production build of the front end takes minutes on two cores


class Web:
    def __init__(self, port: int):
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.log_path = Path("/tmp") / f"runpad-e2e-web-{port}.log"
        self.proc: subprocess.Popen | None = None
        self.hooks = ApiProcess(f"runpad-e2e-hooks-{port}", app=HOOKS_APP)
        self.hooks_url = self.hooks.url

    def start(self) -> Web:
        self.hooks.start()
        env = {
            **os.environ,
            "RUNPAD_PUBLIC_URL": self.url,
            "RUNPAD_HOOKS_URL": self.hooks_url,
            "REFLEX_USE_SYSTEM_BUN": "1",
        }
        self.proc = subprocess.Popen(
            [
                str(ROOT / ".venv/bin/reflex"),
                "run",
                "--env",
                "prod",
                "--frontend-port",
                str(self.port),
                "--backend-port",
                str(self.port),
                "--single-port",
            ],
            cwd=ROOT,
            env=env,
            stdout=open(self.log_path, "wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + BUILD_TIMEOUT
        while not self._answers():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"web app did not start:\n{self.log_path.read_text(errors='replace')[-4000:]}")
            time.sleep(1)
        return self

    def _answers(self) -> bool:
        try:
            return (
                httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200
                and httpx.get(f"{self.url}/login", timeout=2, follow_redirects=True).status_code == 200
            )
        except httpx.HTTPError:
            return False

    def stop(self) -> None:
        self.hooks.stop()
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


# Module scope, not session: a worker left running would reap the in-process runs of later tests (the
# pytest process sends no heartbeat) and remove their containers as a dead worker's.
@pytest.fixture(scope="module")
def web():  # no Docker Engine: it hashes with the base catalog the workers publish
    server = Web(free_port()).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def worker():  # it sets up its networks and publishes its base images when it starts
    from tests.engines import start_worker

    proc = start_worker(f"e2e-worker-{uuid.uuid4().hex[:6]}")
    yield proc
    proc.stop()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield chromium
        chromium.close()


@pytest.fixture
def account():
    email, password = f"e2e-{uuid.uuid4().hex[:8]}@runpad.test", "e2e-password-123"
    users.create(email, password)
    return email, password


# Playwright's 5 s for an assertion is tight for a full page load here: two cores shared with the
# worker, a build and the hooks listener, and a new tab state that hydrates and runs its on_load
# events over the websocket before anything behind the login shows (CI saw the runs page take longer).
expect.set_options(timeout=15_000)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A failing browser test leaves what the page looked like beside its shots (artifacts/e2e/TEST/failed.png)."""
    report = (yield).get_result()
    tab = getattr(item, "funcargs", {}).get("page")
    if report.when == "call" and report.failed and tab is not None:
        try:
            tab.screenshot(path=str(tab.shots.dir / "failed.png"), full_page=True)
        except Exception:  # noqa: BLE001 - a closed page: the report itself still stands
            pass


@pytest.fixture
def page(browser, web, account, request):
    context = browser.new_context(viewport={"width": 1440, "height": 960}, base_url=web.url)
    context.set_default_timeout(30_000)
    tab = context.new_page()
    tab.shots = Shots(request.node.name, tab)
    log_in(tab, *account)
    yield tab
    context.close()


def context_tab(browser, web, request, who: str, width: int = 1440, dark: bool = False):
    """A new browser context of its own (a person), at this width and theme, with numbered shots."""
    context = browser.new_context(
        viewport={"width": width, "height": 900}, base_url=web.url, color_scheme="dark" if dark else "light"
    )
    context.set_default_timeout(30_000)
    tab = context.new_page()
    tab.shots = Shots(f"{request.node.name}-{who}", tab)
    return context, tab


def log_in(tab, email: str, password: str) -> None:
    tab.goto("/login")
    tab.fill("#login-email", email)
    tab.fill("#login-password", password)
    tab.click("#login-submit")  # a real form post: 303 to /scripts, which the static server serves as /scripts/
    tab.wait_for_url(re.compile(r".*/scripts/?$"))


class Shots:
    """Numbered screenshots of one test, for a person to look at."""

    def __init__(self, test: str, tab):
        self.dir = SHOTS / test
        self.dir.mkdir(parents=True, exist_ok=True)
        self.tab, self.n = tab, 0

    def __call__(self, name: str) -> None:
        self.n += 1
        # animations finished: a control clicked just before shows where it ends, not halfway there
        self.tab.screenshot(path=str(self.dir / f"{self.n:02d}-{name}.png"), full_page=True, animations="disabled")
