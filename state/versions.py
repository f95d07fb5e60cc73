"""The versions page: a script's versions, any two compared in the diff editor, and restoring one."""

from __future__ import annotations

import asyncio
import logging
import uuid

import reflex as rx

from app.core import errors
from app.views import version_views
from app.views.version_views import VersionRow
from state.auth import access_of
from state.messages import UNAVAILABLE
from state.paths import path_id

log = logging.getLogger(__name__)


class VersionsState(rx.State):
    versions_of: str = ""  # the script's id
    script_name: str = ""
    runtime: str = "node"
    rows: list[VersionRow] = []
    current_number: int = 0
    live_number: int = 0
    deploying: bool = False
    from_number: int = 0  # the older side of the diff, and the version Restore brings back
    to_number: int = 0
    original: str = ""
    modified: str = ""
    changes: rx.Field[list[dict[str, str]]] = rx.field(default_factory=list)
    loaded: bool = False
    not_found: bool = False
    error: str = ""
    confirming: bool = False
    restoring: bool = False
    _code: dict[int, str] = {}  # every version's code stays on the server; only the two compared go out

    @rx.var
    def choices(self) -> list[str]:
        return [str(r.number) for r in self.rows]

    @rx.var
    def can_restore(self) -> bool:
        return self.from_number > 0 and self.from_number != self.current_number

    @rx.var
    def can_deploy(self) -> bool:
        return self.from_number > 0 and self.from_number != self.live_number

    @rx.event
    async def load(self):
        self.loaded, self.not_found, self.error, self.rows, self.confirming = False, False, "", [], False
        where, sid = await access_of(self), path_id(self, "scripts")
        try:
            if sid is None:
                raise errors.NotFound("not a script id")
            found = await asyncio.to_thread(version_views.history, where, sid)
        except errors.NotFound:
            self.not_found, self.loaded = True, True
            return
        except Exception as exc:  # noqa: BLE001
            log.warning("versions page: %s", (str(exc).splitlines() or [""])[0])
            self.error, self.loaded = UNAVAILABLE, True
            return
        self.versions_of, self.script_name, self.runtime = str(sid), found.name, found.runtime
        self.rows, self.current_number, self._code = found.rows, found.current, found.code
        self.live_number = found.live
        previous = [r.number for r in found.rows if r.number < found.current]
        self._compare(previous[0] if previous else found.current, found.current)
        self.loaded = True

    def _compare(self, old, new) -> None:
        try:
            old, new = int(old), int(new)
        except (TypeError, ValueError):
            return  # not a version number: keep the comparison as it is
        self.from_number, self.to_number = old, new
        self.original, self.modified = self._code.get(old, ""), self._code.get(new, "")
        self.changes = version_views.changes_between(self.runtime, self.rows, old, new)

    @rx.event
    def choose(self, number: int):
        """A version picked in the list: compared with the current one."""
        self._compare(number, self.current_number)

    @rx.event
    def set_from(self, number: str):
        self._compare(number, self.to_number)

    @rx.event
    def set_to(self, number: str):
        self._compare(self.from_number, number)

    @rx.event
    def set_confirming(self, value: bool):
        self.confirming = value

    @rx.event
    async def restore(self):
        where = await access_of(self)
        if not self.can_restore or self.restoring:
            return
        self.restoring, self.error = True, ""
        yield
        try:
            await asyncio.to_thread(version_views.restore, where, uuid.UUID(self.versions_of), self.from_number)
        except errors.NotFound:
            self.restoring, self.confirming, self.error = False, False, "That version is gone. Reload the page."
            return
        except Exception as exc:  # noqa: BLE001
            log.warning("restore failed: %s", (str(exc).splitlines() or [""])[0])
            self.restoring, self.confirming = False, False
            self.error = "The version was not restored: the database is not answering. Try again in a moment."
            return
        self.restoring, self.confirming = False, False
        yield rx.redirect(f"/scripts/{self.versions_of}")

    @rx.event
    async def deploy(self):
        """Puts the chosen version live (a rollback, or a draft), then shows the history again."""
        where = await access_of(self)
        if not self.can_deploy or self.deploying or not self.versions_of:
            return
        self.deploying, self.error = True, ""
        yield
        number = self.from_number
        try:
            await asyncio.to_thread(version_views.deploy, where, uuid.UUID(self.versions_of), number)
            found = await asyncio.to_thread(version_views.history, where, uuid.UUID(self.versions_of))
        except (errors.InvalidInput, errors.Conflict, errors.NotFound) as exc:
            self.deploying, self.error = False, str(exc)
            return
        except Exception as exc:  # noqa: BLE001
            log.warning("deploy failed: %s", (str(exc).splitlines() or [""])[0])
            self.deploying, self.error = False, UNAVAILABLE
            return
        self.deploying, self.rows, self.live_number = False, found.rows, found.live
        yield rx.toast.success(f"Version {number} is live", duration=2500)
