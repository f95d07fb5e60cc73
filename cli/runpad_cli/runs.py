"""Showing a run: its log (live or once it has ended), then its status and result. The log goes where
the handler wrote it (stdout or stderr), Runpad's own lines to stderr, the result as JSON to stdout."""

from __future__ import annotations

import json
from typing import Any

import click

from runpad_cli.client import Client, LogEnd, LogLine

SUCCEEDED = "succeeded"


def echo_line(stream: str, line: str) -> None:
    if stream == "stdout":
        click.echo(line)
    elif stream == "stderr":
        click.echo(line, err=True)
    else:
        click.echo(f"runpad: {line}", err=True)


def print_log(client: Client, run_id: str) -> None:
    for item in client.get(f"/runs/{run_id}/logs"):
        echo_line(item.get("stream", "stdout"), item.get("line", ""))


def follow(client: Client, run_id: str, show: bool = True) -> str:
    """Streams the log until the run ends (printing it when `show`); returns the final status."""
    status = "unknown"
    for item in client.follow_log(run_id):
        if isinstance(item, LogEnd):
            status = item.status
        elif show and isinstance(item, LogLine):
            echo_line(item.stream, item.line)
    return status


def watch(client: Client, run: dict[str, Any], live: bool) -> int:
    """Waits for the run to end, its log shown live or after; prints the outcome; the exit code."""
    run_id = run["id"]
    follow(client, run_id, show=live)
    if not live:
        print_log(client, run_id)
    return report(client.get(f"/runs/{run_id}"))


def report(run: dict[str, Any]) -> int:
    status = run.get("status", "unknown")
    took = f" in {run['duration_ms']} ms" if run.get("duration_ms") is not None else ""
    if status == SUCCEEDED:
        click.secho(f"run {run['id']} {status}{took}", fg="green", err=True)
        click.echo(json.dumps(run.get("result"), indent=2, ensure_ascii=False))
        return 0
    error = f": {run['error']}" if run.get("error") else ""
    click.secho(f"run {run['id']} {status}{took}{error}", fg="red", err=True)
    return 1
