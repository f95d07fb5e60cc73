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
import sys
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


def main():
    os.environ.update(payload.pop("secrets") or {})
    namespace = {"__name__": "handler", "__file__": "handler.py"}
    try:
        exec(compile(payload["code"], "handler.py", "exec"), namespace)
        handler = namespace.get("handler")
        result = None
        if callable(handler):
            result = handler(payload["event"], payload["ctx"])
            if inspect.isawaitable(result):
                result = asyncio.run(_await(result))
        _flush()
        emit({"ok": True, "result": result})
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
