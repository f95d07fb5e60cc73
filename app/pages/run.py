"""/runs/[run_id]: one run, its outcome and its log, followed live while it goes."""

import reflex as rx

from app.pages import Page
from components.layout import app_shell, empty_state, error_callout, page_header
from components.log_view import MONO, download_button, error_and_result, log_placeholder, log_view, status_badge
from state.auth import AuthState
from state.run import RunState

# The log download is served by the back end, which in development listens on another port.
BACKEND_BASE = rx.Var(
    _js_expr='new URL("/", getBackendURL(env.PING)).href.replace(/\\/$/, "")',
    _var_data=rx.vars.VarData(
        imports={"$/utils/state": "getBackendURL", "$/env.json": rx.ImportVar(tag="env", is_default=True)}
    ),
).to(str)


def fact(label: str, value: rx.Component) -> rx.Component:
    return rx.vstack(
        rx.text(label, size="1", color_scheme="gray", weight="medium"), value, spacing="1", min_width="8rem"
    )


def facts() -> rx.Component:
    s = RunState.summary
    return rx.card(
        rx.flex(
            fact("Status", status_badge(s.status, id="run-status")),
            fact("Trigger", rx.text(s.trigger, size="2", id="run-trigger")),
            fact(
                "Script",
                rx.cond(
                    RunState.script_link != "",
                    rx.link(RunState.script_name, href=RunState.script_link, size="2", id="run-script"),
                    rx.text("try-out (unsaved code)", size="2", color_scheme="gray"),
                ),
            ),
            fact("Version", rx.text(rx.cond(s.version != "", s.version, "—"), size="2", font_family=MONO)),
            fact("Started", rx.text(s.started_exact, size="2", title=s.started, id="run-started")),
            fact(
                "Finished", rx.text(rx.cond(s.finished_exact != "", s.finished_exact, "—"), size="2", id="run-finished")
            ),
            fact(
                "Duration",
                rx.text(rx.cond(s.final, s.duration, "running…"), size="2", font_family=MONO, id="run-duration"),
            ),
            rx.cond(
                RunState.rerun_of != "",
                fact(
                    "Run again of",
                    rx.link("the earlier run", href="/runs/" + RunState.rerun_of, size="2", id="run-rerun-of"),
                ),
            ),
            wrap="wrap",
            spacing="5",
        ),
        width="100%",
    )


def outcome() -> rx.Component:
    s = RunState.summary
    return rx.vstack(
        rx.cond(
            s.installing,
            rx.callout(
                "Installing dependencies… the run starts when they are ready.",
                icon="package",
                color_scheme="amber",
                size="1",
                width="100%",
            ),
        ),
        rx.cond(
            s.held,
            rx.callout(
                "Waiting for a slot: this workspace already runs as many runs at once as its quota allows.",
                icon="hourglass",
                color_scheme="amber",
                size="1",
                width="100%",
            ),
        ),
        *error_and_result(s.error, s.status, s.result, "run", "20rem"),
        spacing="3",
        width="100%",
    )


def event_section() -> rx.Component:
    """What the handler got; request headers that carry credentials are left out."""
    return rx.vstack(
        rx.hstack(
            rx.text("Event", size="2", weight="medium"),
            rx.text(
                "credential headers (authorization, cookies, signatures) are not shown", size="1", color_scheme="gray"
            ),
            align="baseline",
            spacing="2",
            wrap="wrap",
        ),
        rx.el.pre(
            RunState.event,
            id="run-event",
            font_family=MONO,
            font_size="12.5px",
            margin="0",
            padding="0.75rem",
            max_height="20rem",
            overflow="auto",
            width="100%",
            white_space="pre-wrap",
            word_break="break-word",
            background_color=rx.color("gray", 1),
            border=f"1px solid {rx.color('gray', 6)}",
            border_radius="var(--radius-3)",
        ),
        rx.cond(
            RunState.event_cut,
            rx.text(
                "The event is long: its start is shown; GET /api/v1/runs/{id} has all of it.",
                size="1",
                color_scheme="amber",
            ),
        ),
        spacing="1",
        width="100%",
    )


def line_count() -> rx.Component:
    return rx.text(
        rx.cond(
            RunState.search.strip() != "",
            rx.text.span(RunState.matching_lines, " of ", RunState.total_lines, " lines"),
            rx.text.span(RunState.total_lines, rx.cond(RunState.total_lines == 1, " line", " lines")),
        ),
        id="log-count",
        size="1",
        color_scheme="gray",
        white_space="nowrap",
    )


def log_toolbar() -> rx.Component:
    return rx.hstack(
        rx.heading("Log", size="3"),
        rx.cond(RunState.following, rx.badge(rx.spinner(size="1"), "following", color_scheme="blue", variant="soft")),
        rx.spacer(),
        line_count(),
        rx.input(
            rx.input.slot(rx.icon("search", size=14)),
            placeholder="Search the log",
            value=RunState.search,
            on_change=RunState.set_search.debounce(200),
            id="log-search",
            width="16rem",
            size="2",
        ),
        download_button(BACKEND_BASE + "/ui/runs/" + RunState.shown_run + "/log.txt", "log-download"),
        align="center",
        spacing="3",
        width="100%",
    )


def log_section() -> rx.Component:
    empty = log_placeholder(
        rx.cond(
            RunState.search.strip() != "",
            "No line matches this search.",
            rx.cond(RunState.following, "Nothing printed yet.", "This run printed nothing."),
        )
    )
    return rx.vstack(
        log_toolbar(),
        rx.cond(
            RunState.matching_lines > RunState.shown.length(),
            rx.text(
                "Showing the last ",
                RunState.shown.length(),
                " lines; download the log for all of them.",
                size="1",
                color_scheme="gray",
            ),
        ),
        rx.cond(
            RunState.summary.log_truncated,
            rx.text("The run printed more than the log keeps; the end was cut.", size="1", color_scheme="amber"),
        ),
        log_view(RunState.shown, "run-log", empty, height="auto", min_height="10rem", max_height="65vh"),
        spacing="2",
        width="100%",
    )


def actions() -> rx.Component:
    return rx.hstack(
        rx.cond(
            (RunState.script_link != "") & (AuthState.role != ""),  # every member may; not a try-out
            rx.button(
                rx.icon("rotate-ccw", size=14),
                "Run again",
                id="rerun",
                on_click=RunState.rerun,
                loading=RunState.rerunning,
                title="Run the script again with this event",
            ),
        ),
        rx.cond(
            RunState.script_link != "",
            rx.link(
                rx.button(rx.icon("list", size=14), "All runs", variant="soft", color_scheme="gray"),
                href=RunState.script_link + "/runs",
                id="run-history",
            ),
        ),
        rx.cond(
            ~RunState.summary.final,
            rx.button(
                rx.icon("square", size=14),
                "Cancel",
                id="cancel-run",
                on_click=RunState.cancel,
                color_scheme="red",
                variant="soft",
            ),
        ),
        spacing="2",
        wrap="wrap",
        justify="end",
    )


def content() -> rx.Component:
    return rx.cond(
        RunState.not_found,
        empty_state(
            "file-question",
            "No such run",
            "This run does not exist, or it is not yours.",
            rx.link(rx.button("All scripts", variant="soft"), href="/scripts"),
        ),
        rx.vstack(
            page_header("Run", actions(), subtitle=RunState.shown_run),
            error_callout(RunState.error),
            rx.cond(
                RunState.shown_run != "",
                rx.vstack(facts(), outcome(), event_section(), log_section(), spacing="4", width="100%"),
            ),
            spacing="3",
            width="100%",
            id="run-page",
        ),
    )


def run_page() -> rx.Component:
    return app_shell(
        rx.box(
            rx.cond(RunState.loaded, content(), rx.center(rx.spinner(size="3"), padding_y="6rem")),
            on_mount=RunState.resume,
            on_unmount=RunState.leave,
            width="100%",
        ),
    )


PAGES = [Page("/runs/[run_id]", run_page, "Run", [AuthState.require_login, RunState.load])]
