"""Runpad's bootstrap inside a Python run container.

It waits on stdin for one JSON document {code, event, ctx, secrets, nonce}, runs the user's code and
handler, and writes the outcome as one line "<nonce><json>" to a private copy of stdout (and the
nonce alone to a private copy of stderr), so user code closing stdout or stderr cannot lose it.
Only the standard library is imported before the user's code.
"""

import asyncio
import inspect
import json
import os
import re
import sys
import time
import traceback

result_fd = os.dup(1)
mark_fd = os.dup(2)
payload = json.loads(sys.stdin.buffer.read())
nonce = payload.pop("nonce")
# `python -I` ignores PYTHONUNBUFFERED, and a pipe makes stdout block-buffered: without this a print()
# would reach the live log only when the buffer fills or the run ends.
sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]  # a TextIOWrapper, typed TextIO


def emit(outcome):
    try:
        text = json.dumps(outcome, allow_nan=False)
    except (TypeError, ValueError) as exc:
        text = json.dumps({"ok": False, "error": f"result is not JSON-serialisable: {exc}"})
    # stderr is a pipe of its own: a nonce line there tells the worker all stderr output has arrived
    os.write(mark_fd, f"\n{nonce}\n".encode())
    os.write(result_fd, f"\n{nonce}{text}\n".encode())


# The names Runpad calls, in this order (AWS Lambda's lambda_handler and a script's main included).
HANDLER_NAMES = ("handler", "lambda_handler", "main")
# A function named like a handler that is none of the above is a mistake worth naming.
LOOKS_LIKE_A_HANDLER = re.compile(r"handle|lambda", re.IGNORECASE)


class NoHandler(Exception):
    pass


class Context(dict):
    """ctx: a dict with the documented fields, also readable as attributes (context.run_id), with
    Lambda's get_remaining_time_in_millis()."""

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None

    def get_remaining_time_in_millis(self):
        return max(0, int(self["deadline"] - time.time() * 1000))


def find_handler(namespace):
    """The handler the code defines; None for a script with none (it has run top to bottom)."""
    for name in HANDLER_NAMES:
        if callable(namespace.get(name)):
            return namespace[name]
    defined = [n for n, v in namespace.items() if inspect.isfunction(v) and v.__module__ == "handler"]
    near = [n for n in defined if LOOKS_LIKE_A_HANDLER.search(n)]
    if near:
        raise NoHandler(
            f"no handler found: {', '.join(near)} is not a name Runpad calls. Use one of these forms:\n"
            "  def handler(event, ctx): ...   (async def works too)\n"
            "  def main(event, ctx): ...\n"
            "  def lambda_handler(event, context): ...\n"
            "A script that defines none of them is run top to bottom."
        )
    return None


def call(handler, event, ctx):
    """handler(event, ctx), or with fewer arguments when it takes fewer (a plain `def main():`)."""
    try:
        params = inspect.signature(handler).parameters.values()
    except (TypeError, ValueError):
        return handler(event, ctx)
    if any(p.kind == p.VAR_POSITIONAL for p in params):
        return handler(event, ctx)
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    return handler(*(event, ctx)[: len(positional)])


def main():
    os.environ.update(payload.pop("secrets") or {})
    namespace = {"__name__": "handler", "__file__": "handler.py"}
    try:
        exec(compile(payload["code"], "handler.py", "exec"), namespace)
        handler = find_handler(namespace)
        result = None
        if handler is not None:
            result = call(handler, payload["event"], Context(payload["ctx"]))
            if inspect.isawaitable(result):
                result = asyncio.run(_await(result))
        _flush()
        emit({"ok": True, "result": result})
    except NoHandler as exc:
        print(exc, file=sys.stderr)
        _flush()
        emit({"ok": False, "error": str(exc)})
    except BaseException as exc:  # noqa: BLE001 - SystemExit from user code is a failure too
        try:
            traceback.print_exc()
        except OSError:
            pass
        _flush()
        emit({"ok": False, "error": f"{type(exc).__name__}: {exc}"})


def _flush():
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # the user's code may have closed it
            pass


async def _await(awaitable):
    return await awaitable


main()
os._exit(0)
