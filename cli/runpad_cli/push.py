"""Carrying out a push plan: the API calls of each step, then waiting for the dependency builds the new
versions started, each failure kept with its message so that the command can report them all and exit
non-zero (a CI job gates on that)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from runpad_cli import plan
from runpad_cli.client import ApiError, Client

BUILDING = ("queued", "building", "deploying")  # deploying: built, about to go live
POLL_SECONDS = 0.5
BUILD_LOG_LINES = 15  # the tail of a failed build's log shown with its error


@dataclass
class Outcome:
    step: plan.Step
    error: str | None = None
    script: dict[str, Any] | None = None  # the script as the API answered the change


def apply(client: Client, steps: list[plan.Step]) -> list[Outcome]:
    outcomes = []
    for step in steps:
        outcome = Outcome(step)
        try:
            if step.action == plan.CREATE:
                outcome.script = client.call("POST", "/scripts", json=step.body)
            elif step.action in (plan.NEW_VERSION, plan.UPDATE):
                assert step.remote is not None
                outcome.script = client.call("PATCH", f"/scripts/{step.remote['id']}", json=step.body)
            elif step.action == plan.DELETE:
                assert step.remote is not None
                client.call("DELETE", f"/scripts/{step.remote['id']}")
            elif step.action == plan.INVALID:
                outcome.error = step.detail
            elif step.action == plan.UNCHANGED and step.remote:
                # the folder matches, but what it holds does not run: CI stays red until a fix is pushed
                outcome.error = plan.deploy_problem(step.remote)
        except ApiError as exc:
            outcome.error = str(exc)
        outcomes.append(outcome)
    return outcomes


def wait_for_builds(client: Client, outcomes: list[Outcome], console: Console, timeout: float) -> None:
    """Waits for the build of every version just made, showing each, and records a failed build (its
    error and the tail of its log) or a deploy error as the step's error."""
    waiting = [o for o in outcomes if o.script and o.error is None and o.step.action in (plan.CREATE, plan.NEW_VERSION)]
    if not waiting:
        return
    columns = (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as progress:  # the bars go; a line per build stays
        tasks = {id(o): progress.add_task(f"build {o.step.name}", total=1) for o in waiting}
        deadline = time.monotonic() + timeout
        pending = list(waiting)
        while pending:
            for outcome in list(pending):
                status = _build_status(client, outcome)
                if status in BUILDING and time.monotonic() < deadline:
                    progress.update(tasks[id(outcome)], description=f"build {outcome.step.name}: {status}")
                    continue
                if status in BUILDING:
                    outcome.error = f"its build was still {status} after {timeout:.0f} s"
                pending.remove(outcome)
                label = "failed" if outcome.error else "ready"
                progress.update(tasks[id(outcome)], completed=1)
                progress.console.print(f"build {outcome.step.name}: {label}", markup=False, highlight=False)
            if pending:
                time.sleep(POLL_SECONDS)


def _build_status(client: Client, outcome: Outcome) -> str:
    """The build's status now; on failure the outcome's error says why."""
    assert outcome.script is not None
    try:
        script = client.get(f"/scripts/{outcome.script['id']}")
    except ApiError as exc:
        outcome.error = f"could not follow its build: {exc}"
        return "failed"
    build = script.get("build") or {}
    status = build.get("status", "ready")
    if status == "failed":
        outcome.error = _build_failure(client, build)
    elif status not in BUILDING:
        outcome.error = plan.deploy_problem(script)
        if outcome.error is None and _going_live(script):
            return "deploying"
    return status


def _going_live(script: dict[str, Any]) -> bool:
    """Built, but not yet the version triggers run (it goes live just after its build's end is saved).
    A server without deployed versions has no `deployed_version`: nothing to wait for there."""
    if "deployed_version" not in script or script.get("draft"):
        return False
    return (script["deployed_version"] or 0) < script["version"]


def _build_failure(client: Client, build: dict[str, Any]) -> str:
    message = f"its dependency build failed: {build.get('error') or 'no reason given'}"
    try:
        lines = client.get(f"/builds/{build['id']}/logs")
    except ApiError:
        return message
    tail = [line.get("line", "") for line in lines[-BUILD_LOG_LINES:]]
    return message + ("\n  " + "\n  ".join(tail) if tail else "")
