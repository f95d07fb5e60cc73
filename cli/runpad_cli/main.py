"""The `runpad` commands (contract §7). Each one reads its input, asks the API through Client and prints;
the folder format, the push plan and run output live in their own modules."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click
import httpx
from rich.console import Console
from rich.table import Table

from runpad_cli import config, folder, plan, push as pushing, runs
from runpad_cli.client import ApiError, Client, check

EXIT_FAILED = 1


class Group(click.Group):
    """Every command's API failure becomes one line on stderr and exit status 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (ApiError, folder.FolderError) as exc:
            raise click.ClickException(str(exc)) from None


@click.group(cls=Group)
@click.option("-w", "--workspace", help="act in this workspace (its slug); default RUNPAD_WORKSPACE or the login's")
@click.pass_context
def cli(ctx: click.Context, workspace: str | None) -> None:
    """Runpad from a shell or a CI job: keep scripts in a folder (and in Git), push them, run them.

    Settings come from RUNPAD_URL, RUNPAD_TOKEN and RUNPAD_WORKSPACE, else from `runpad login`."""
    ctx.obj = workspace


def _client(ctx: click.Context) -> Client:
    settings = config.load()
    if ctx.find_root().obj:
        settings = config.Settings(settings.url, settings.token, ctx.find_root().obj)
    return Client(settings)


@cli.command()
@click.option("--url", help="Runpad's address, e.g. https://runpad.example.com")
@click.option("--email", help="log in with email and password (asked for) to get a new API token")
@click.option("--token", help="or store an API token made on Settings › API tokens")
@click.option("--workspace", help="the workspace to act in (its slug); default: your personal one")
def login(url: str | None, email: str | None, token: str | None, workspace: str | None) -> None:
    """Stores Runpad's address and an API token in your config directory, readable by you only."""
    saved = config.stored()
    url = (url or click.prompt("Runpad URL", default=saved.get("url"))).rstrip("/")
    if not token:
        email = email or click.prompt("Email")
        password = click.prompt("Password", hide_input=True)
        answer = _post(f"{url}/api/v1/auth/token", {"email": email, "password": password, "name": "runpad-cli"})
        token = answer["token"]
    with Client(config.Settings(url, token)) as client:
        me = client.get("/me")
    slugs = [w["slug"] for w in me.get("workspaces", [])]
    if workspace and workspace not in slugs:
        raise click.ClickException(f"you are not a member of a workspace {workspace!r}; yours: {', '.join(slugs)}")
    path = config.store(url, token, workspace)
    click.echo(f"logged in to {url} as {me['email']}; settings in {path}")


def _post(url: str, body: dict[str, Any]) -> Any:
    try:
        response = httpx.post(url, json=body, timeout=30)
    except httpx.HTTPError as exc:
        raise ApiError(f"cannot reach Runpad at {url}: {exc}") from None
    check(response)
    return response.json()


@cli.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.pass_context
def pull(ctx: click.Context, directory: Path) -> None:
    """Writes every script of the workspace as DIRECTORY/<name>/runpad.yaml and handler.js|ts|py.

    Secret values are never written: runpad.yaml names the secrets a script gets."""
    with _client(ctx) as client:
        scripts = client.get("/scripts")
    directory.mkdir(parents=True, exist_ok=True)
    places = _existing_places(directory)
    counts: dict[str, int] = {}
    for script in scripts:
        counts[script["name"]] = counts.get(script["name"], 0) + 1
    table = Table("script", "written to", "version")
    problems, used = [], set(places.values())
    for script in sorted(scripts, key=lambda s: s["name"]):
        name = script["name"]
        if counts[name] > 1:
            problems.append(f"{counts[name]} scripts are named {name!r}: rename all but one, then pull again")
            continue
        place = places.get(name) or _free_place(directory, folder.directory_name(name), used)
        used.add(place)
        try:
            handler = folder.write(place, script)
        except folder.FolderError as exc:
            problems.append(str(exc))
            continue
        table.add_row(name, str(handler.parent), str(script.get("version", "")))
    console = _console()
    console.print(table)
    gone = sorted(n for n, p in places.items() if n not in counts)
    for name in gone:
        click.echo(f"{places[name]}: no script {name!r} in the workspace (left as it is)")
    _fail_on(problems)


def _console() -> Console:
    """Rich output; where stdout is no terminal (a CI log, a pipe) tables may be wide, not wrapped at 80."""
    return Console(width=None if sys.stdout.isatty() else 200)


def _existing_places(directory: Path) -> dict[str, Path]:
    """Script name -> its directory, for the script directories DIRECTORY already has."""
    places: dict[str, Path] = {}
    for sub in sorted(p for p in directory.iterdir() if p.is_dir() and (p / folder.CONFIG).is_file()):
        try:
            places.setdefault(folder.read(sub).name, sub)
        except folder.FolderError:
            continue  # overwritten only if a script's own name leads here
    return places


def _free_place(directory: Path, base: str, used: set[Path]) -> Path:
    place, n = directory / base, 1
    while place in used:
        n += 1
        place = directory / f"{base}-{n}"
    return place


def _fail_on(problems: list[str]) -> None:
    for problem in problems:
        click.secho(f"error: {problem}", fg="red", err=True)
    if problems:
        sys.exit(EXIT_FAILED)


@cli.command("push")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="print the plan and change nothing")
@click.option("--prune", is_flag=True, help="delete the workspace's scripts that DIRECTORY does not have")
@click.option("--build-timeout", default=900, show_default=True, help="seconds to wait for dependency builds")
@click.pass_context
def push_(ctx: click.Context, directory: Path, dry_run: bool, prune: bool, build_timeout: int) -> None:
    """Makes the workspace match DIRECTORY, printing the plan; an unchanged script gets no new version.

    Waits for the dependency builds of new versions. Exits non-zero if anything failed: a script
    directory that cannot be read (then nothing is changed), a change the API refused, a failed build."""
    local, problems = folder.read_all(directory)
    _fail_on(problems)
    console = _console()
    with _client(ctx) as client:
        steps = plan.make(local, client.get("/scripts"), prune)
        _print_plan(console, steps, dry_run)
        if dry_run:
            click.echo("dry run: nothing was changed")
            _fail_on([f"{s.name}: {s.detail}" for s in steps if s.action == plan.INVALID])
            return
        outcomes = pushing.apply(client, steps)
        pushing.wait_for_builds(client, outcomes, Console(stderr=True), build_timeout)
    failed = [o for o in outcomes if o.error]
    done = [o for o in outcomes if o.step.changes_something and not o.error]
    click.echo(f"pushed: {len(done)} change(s), {len(failed)} failure(s)")
    _fail_on([f"{o.step.name} ({o.step.action}): {o.error}" for o in failed])


def _print_plan(console: Console, steps: list[plan.Step], dry_run: bool) -> None:
    table = Table(title="plan (dry run)" if dry_run else "plan")
    table.add_column("script", no_wrap=True)
    table.add_column("plan", no_wrap=True)
    table.add_column("detail")
    for step in steps:
        table.add_row(step.name, step.action, step.detail)
    console.print(table)
    tally: dict[str, int] = {}
    for step in steps:
        tally[step.action] = tally.get(step.action, 0) + 1
    click.echo(", ".join(f"{n} {action}" for action, n in tally.items()) or "no scripts")


@cli.command()
@click.argument("name")
@click.option("--event", "event_file", type=click.File("r"), help="a JSON file for event.body, or - for stdin")
@click.option("--follow", is_flag=True, help="show the log live (else once the run has ended)")
@click.pass_context
def run(ctx: click.Context, name: str, event_file: Any, follow: bool) -> None:
    """Runs the script NAME (or id) with an event, prints its log and result; exits 1 if the run fails."""
    event = _event(event_file)
    with _client(ctx) as client:
        script_id = _script_id(client, name)
        started = client.call("POST", f"/scripts/{script_id}/runs", json={"event": event})
        sys.exit(runs.watch(client, started, live=follow))


def _script_id(client: Client, name: str) -> str:
    matches = [s["id"] for s in client.get("/scripts") if s["name"] == name or s["id"] == name]
    if not matches:
        raise click.ClickException(f"no script named {name!r} in the workspace")
    if len(matches) > 1:
        raise click.ClickException(f"{len(matches)} scripts are named {name!r}: give the id instead")
    return matches[0]


def _event(source: Any) -> Any:
    if source is None:
        return None
    try:
        return json.loads(source.read())
    except json.JSONDecodeError as exc:
        raise click.ClickException(f"the event is not JSON: {exc}") from None


@cli.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--event", "event_file", type=click.File("r"), help="a JSON file for event.body, or - for stdin")
@click.option("--runtime", type=click.Choice(sorted(folder.HANDLERS)), help="default: from runpad.yaml or the suffix")
@click.pass_context
def tryout(ctx: click.Context, file: Path, event_file: Any, runtime: str | None) -> None:
    """Tries out a local handler FILE (with the dependencies and secrets of its runpad.yaml, if it has
    one) without saving it; streams its log, prints its result; exits 1 if it fails."""
    body = folder.tryout_input(file)
    if runtime:
        body["runtime"] = runtime
    body["event"] = _event(event_file)
    with _client(ctx) as client:
        started = client.call("POST", "/tryout", json=body)
        sys.exit(runs.watch(client, started, live=True))


@cli.command()
@click.argument("run_id")
@click.option("--follow", is_flag=True, help="keep streaming until the run ends; then exit 1 if it failed")
@click.pass_context
def logs(ctx: click.Context, run_id: str, follow: bool) -> None:
    """Prints a run's log (stdout lines to stdout, stderr and Runpad's lines to stderr)."""
    with _client(ctx) as client:
        if not follow:
            runs.print_log(client, run_id)
            return
        runs.follow(client, run_id)
        sys.exit(runs.report(client.get(f"/runs/{run_id}")))
