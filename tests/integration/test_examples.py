"""The examples New script offers run as they are (app/examples): each one's code in a real try-out,
its packages really built. The feed example reads a feed from a test host on this machine and posts
the new items to a webhook there, whose URL is the secret it reads."""

from __future__ import annotations

import json
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest

from app.services import examples, secrets
from tests.integration import nethost
from tests.integration.helpers import log_text, tryout
from tests.support.actors import acting

pytestmark = pytest.mark.usefixtures("docker_ready")
PORT = 8080
# GET /<file> serves the directory; POST /hook appends the body as a line of hook.jsonl; POST /broken is a 500
SERVER = """import http.server, pathlib, sys
folder = pathlib.Path(sys.argv[3])
class Handler(http.server.SimpleHTTPRequestHandler):
    def __init__(self, *a, **kw):
        super().__init__(*a, directory=str(folder), **kw)
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("content-length", 0)))
        if self.path != "/hook":
            self.send_response(500); self.end_headers(); return
        with open(folder / "hook.jsonl", "ab") as out:
            out.write(body.replace(b"\\n", b" ") + b"\\n")
        self.send_response(204); self.end_headers()
http.server.ThreadingHTTPServer((sys.argv[1], int(sys.argv[2])), Handler).serve_forever()
"""


def example_tryout(name: str, body=None):
    example = examples.find(name)
    assert example is not None
    event = example.event if body is None else body
    return tryout(example.runtime, example.code, example.dependencies, example.secrets, event)


def test_the_examples_are_offered_in_order_with_what_they_need():
    assert [e.name for e in examples.catalog()] == ["echo-hook", "feed-to-webhook", "tidy-records"]
    feed = examples.find("feed-to-webhook")
    assert feed is not None and feed.secrets == ("WEBHOOK_URL",) and feed.trigger["type"] == "schedule"
    assert examples.find("no-such-example") is None


def test_the_echo_hook_answers_with_what_it_was_sent():
    run = example_tryout("echo-hook", {"hello": "world", "n": [1, 2]})
    assert run.status == "succeeded", log_text(run)
    assert run.result["statusCode"] == 200 and run.result["headers"] == {"x-runpad-run": str(run.id)}
    assert run.result["body"]["received"] == {"hello": "world", "n": [1, 2]}


def test_the_record_tidier_cleans_its_sample_with_python_dateutil():
    run = example_tryout("tidy-records")
    assert run.status == "succeeded", log_text(run)
    assert run.result["kept"] == [
        {"name": "Ada Lovelace", "email": "ada@example.com", "joined": "2024-12-10"},
        {"name": "Grace Hopper", "email": "grace@example.com", "joined": "2024-12-09"},
        {"name": "Edsger Dijkstra", "email": "edsger@example.com", "joined": "2024-05-11"},
    ]
    assert [d["row"] for d in run.result["dropped"]] == [3, 4, 5]
    assert "kept 3 of 6 record(s)" in log_text(run)


def rss(items: list[tuple[str, datetime]]) -> str:
    entries = "".join(
        f"<item><title>{title}</title><link>http://news.test/{n}</link><pubDate>{format_datetime(at)}</pubDate></item>"
        for n, (title, at) in enumerate(items)
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>Test news</title>{entries}</channel></rss>'


@pytest.fixture
def feed_host(test_host):
    """The test host serving /feed.xml and taking webhook posts, which the runs may reach."""
    folder = Path(tempfile.mkdtemp(prefix="feed-host-"))
    now = datetime.now(UTC)
    items = [("Fresh", now - timedelta(minutes=5)), ("Recent", now - timedelta(minutes=40))]
    (folder / "feed.xml").write_text(rss([*items, ("Old", now - timedelta(days=3))]))
    test_host.start(sys.executable, "-c", SERVER, nethost.ADDRESS, str(PORT), str(folder))
    test_host.wait_for(nethost.ADDRESS, PORT)
    with nethost.allowed(f"{nethost.ADDRESS}/32"):
        yield f"http://{nethost.ADDRESS}:{PORT}", folder


def test_the_feed_example_posts_the_new_items_to_the_webhook_in_its_secret(feed_host):
    url, folder = feed_host
    secret = "WEBHOOK_URL"
    secrets.put(acting(), secret, f"{url}/hook")
    run = example_tryout("feed-to-webhook", {"feed_url": f"{url}/feed.xml", "since_minutes": 60})
    assert run.status == "succeeded", f"{run.error}\n{log_text(run)}"
    assert run.result == {"feed": "Test news", "posted": ["Recent", "Fresh"]}
    posted = [json.loads(line) for line in (folder / "hook.jsonl").read_text().splitlines()]
    assert [(p["title"], p["link"], p["feed"]) for p in posted] == [
        ("Recent", "http://news.test/1", "Test news"),  # oldest first
        ("Fresh", "http://news.test/0", "Test news"),
    ]
    assert "Test news: 3 item(s), 2 posted" in log_text(run)

    secrets.put(acting(), secret, f"{url}/broken")  # a webhook that fails: the run fails and says so
    broken = example_tryout("feed-to-webhook", {"feed_url": f"{url}/feed.xml", "since_minutes": 60})
    assert broken.status == "failed" and 'the webhook answered 500 for "Recent"' in broken.error
