"""The page shells: `app_shell` for pages behind the login (top bar with navigation, theme switch
and logout, then the content), `page_shell` for the public landing and login pages."""

import reflex as rx

from components.shortcut_sheet import shortcut_sheet
from state.auth import AuthState

NAV = [
    ("Scripts", "/scripts", "file-code-2"),
    ("Runs", "/runs", "activity"),
    ("Secrets", "/secrets", "key-round"),
    ("Members", "/members", "users"),
    ("Audit", "/audit", "scroll-text"),
    ("Workspace", "/workspace", "sliders-horizontal"),
    ("Settings", "/settings", "settings"),
]
ADMINS_ONLY = {"/audit", "/workspace"}  # offered to workspace and installation admins; the page and service decide
CONTENT_WIDTH = "80rem"


def brand() -> rx.Component:
    return rx.link(
        rx.hstack(
            rx.icon("square-terminal", size=22),
            rx.heading("Runpad", size="5", weight="bold", display=["none", "none", "block"]),  # a phone: the icon
            align="center",
            spacing="2",
        ),
        href="/scripts",
        underline="none",
        color=rx.color("gray", 12),
    )


def nav_link(label: str, href: str, icon: str) -> rx.Component:
    active = AuthState.router.page.path.startswith(href)
    return rx.link(
        # below 1280 px the icons stand alone (with a tooltip-like title) so the bar never overflows:
        # eight labels beside the switcher, Help, the email and Log out need that much
        rx.hstack(
            rx.icon(icon, size=16),
            rx.text(label, size="2", weight="medium", display=["none", "none", "none", "none", "block"]),
            align="center",
            spacing="2",
        ),
        title=label,
        href=href,
        underline="none",
        padding_x=["0.2rem", "0.35rem", "0.75rem"],  # 390 px fit eight icons beside the switcher, 480 px Help too
        padding_y="0.4rem",
        border_radius="var(--radius-2)",
        color=rx.cond(active, rx.color("accent", 11), rx.color("gray", 11)),
        background_color=rx.cond(active, rx.color("accent", 3), "transparent"),
        _hover={"background_color": rx.color("gray", 3)},
    )


def nav_item(label: str, href: str, icon: str) -> rx.Component:
    if href in ADMINS_ONLY:
        return rx.cond(AuthState.can_manage | AuthState.is_admin, nav_link(label, href, icon))
    return nav_link(label, href, icon)


def theme_switch() -> rx.Component:
    return rx.tooltip(
        rx.icon_button(
            rx.color_mode_cond(rx.icon("moon", size=16), rx.icon("sun", size=16)),
            on_click=rx.toggle_color_mode,
            variant="ghost",
            color_scheme="gray",
            aria_label="Switch light or dark theme",
        ),
        content="Light or dark theme",
    )


def help_link() -> rx.Component:
    # Not on a phone, where the bar has no room left: there Help is a button on the Settings page.
    return rx.tooltip(
        rx.link(
            rx.icon("circle-help", size=16),
            href="/help",
            id="help-link",
            aria_label="Help",
            color=rx.color("gray", 11),
            display=["none", "flex"],
            align_items="center",
        ),
        content="Help: the user guide and keyboard shortcuts",
    )


def logout_button() -> rx.Component:
    """A form post to /auth/logout: the server ends the session and clears the HttpOnly cookie; the
    next page load then starts this tab's state afresh (state/auth.py SessionBinding)."""
    return rx.el.form(
        rx.button(
            rx.icon("log-out", size=14),
            rx.text("Log out", display=["none", "none", "inline"]),
            aria_label="Log out",
            title="Log out",
            type="submit",
            variant="soft",
            color_scheme="gray",
            size="1",
            white_space="nowrap",
            id="logout",
        ),
        action="/auth/logout",
        method="post",
        on_submit=None,
        margin="0",
    )


def workspace_item(workspace: dict) -> rx.Component:
    return rx.menu.item(
        rx.hstack(
            rx.text(rx.cond(workspace["personal"] == "yes", "Personal", workspace["name"]), size="2"),
            rx.spacer(),
            rx.badge(workspace["role"], variant="soft", size="1"),
            width="100%",
            spacing="3",
        ),
        on_select=AuthState.switch_workspace(workspace["slug"]),
        data_workspace=workspace["slug"],
    )


def workspace_switcher() -> rx.Component:
    """The tab's workspace: what pages show and act on (each tab keeps its own)."""
    return rx.menu.root(
        rx.menu.trigger(
            rx.button(
                rx.icon("layers", size=14),
                rx.text(
                    AuthState.workspace_label,
                    max_width=["4rem", "8rem", "14rem"],
                    overflow="hidden",
                    text_overflow="ellipsis",
                    white_space="nowrap",
                ),
                rx.icon("chevron-down", size=12),
                variant="soft",
                color_scheme="gray",
                size="1",
                id="workspace-switcher",
                aria_label="Switch workspace",
            )
        ),
        rx.menu.content(
            rx.foreach(AuthState.my_workspaces, workspace_item),
            rx.menu.separator(),
            rx.menu.item(
                rx.hstack(rx.icon("plus", size=14), rx.text("New workspace", size="2"), spacing="2"),
                on_select=AuthState.open_new_workspace(True),
                id="new-workspace",
            ),
            min_width="14rem",
        ),
    )


def new_workspace_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("New workspace"),
            rx.dialog.description(
                "A place to share scripts, runs and secrets with others. You are its admin; add people on "
                "its Members page.",
                size="2",
            ),
            rx.form(
                rx.vstack(
                    rx.input(name="name", id="workspace-name", placeholder="Name, e.g. Growth team", width="100%"),
                    rx.input(
                        name="slug",
                        id="workspace-slug",
                        placeholder="Slug, e.g. growth (lowercase letters, digits and -)",
                        width="100%",
                        auto_complete="off",
                    ),
                    error_callout(AuthState.workspace_error),
                    rx.hstack(
                        rx.dialog.close(rx.button("Cancel", variant="soft", color_scheme="gray", type="button")),
                        rx.button("Create", type="submit", id="workspace-create"),
                        justify="end",
                        spacing="3",
                        width="100%",
                    ),
                    spacing="3",
                    margin_top="1rem",
                ),
                on_submit=AuthState.create_workspace,
                reset_on_submit=False,
            ),
            max_width="28rem",
        ),
        open=AuthState.creating_workspace,
        on_open_change=AuthState.open_new_workspace,
    )


def top_bar() -> rx.Component:
    return rx.box(
        rx.hstack(
            brand(),
            rx.hstack(*[nav_item(*item) for item in NAV], spacing="0", margin_left=["0.25rem", "0.5rem", "1.5rem"]),
            rx.spacer(),
            workspace_switcher(),
            help_link(),
            theme_switch(),
            rx.text(
                AuthState.user_email,
                size="2",
                color_scheme="gray",
                display=["none", "none", "none", "block"],
                white_space="nowrap",
                max_width="16rem",
                overflow="hidden",
                text_overflow="ellipsis",
                title=AuthState.user_email,
            ),
            logout_button(),
            align="center",
            max_width=CONTENT_WIDTH,
            margin_x="auto",
            padding_x=["0.75rem", "1rem", "1.5rem"],
            spacing=rx.breakpoints(initial="2", md="3"),
            height="3.5rem",
        ),
        as_="header",
        border_bottom=f"1px solid {rx.color('gray', 5)}",
        background_color=rx.color("gray", 1),
        position="sticky",
        top="0",
        z_index="10",
    )


def app_shell(*children: rx.Component, wide: bool = False) -> rx.Component:
    """A page behind the login. Content is hidden until the session is confirmed, so nothing of an
    account flashes before the redirect to /login."""
    return rx.box(
        top_bar(),
        new_workspace_dialog(),
        shortcut_sheet(),
        rx.cond(
            AuthState.logged_in,
            rx.box(
                *children,
                as_="main",
                max_width="100%" if wide else CONTENT_WIDTH,
                margin_x="auto",
                padding_x=["0.75rem", "1rem", "1.5rem"],
                padding_y="1.5rem",
            ),
            rx.center(rx.spinner(size="3"), padding_y="6rem"),
        ),
        min_height="100vh",
        background_color=rx.color("gray", 2),
    )


def page_header(title, *actions: rx.Component, subtitle=None) -> rx.Component:
    """A page's title row: the heading (and an optional line under it) left, actions right."""
    return rx.hstack(
        rx.vstack(
            rx.heading(title, size="6"),
            rx.text(subtitle, size="2", color_scheme="gray") if subtitle is not None else rx.fragment(),
            spacing="1",
        ),
        rx.spacer(),
        *actions,
        align="center",
        width="100%",
        wrap="wrap",  # on a phone the actions go under the title rather than past the screen's edge
        margin_bottom="1.25rem",
    )


def empty_state(icon: str, title: str, hint: str, *actions: rx.Component) -> rx.Component:
    return rx.center(
        rx.vstack(
            rx.icon(icon, size=32, color=rx.color("gray", 9)),
            rx.heading(title, size="4"),
            rx.text(hint, size="2", color_scheme="gray", text_align="center", max_width="28rem"),
            *actions,
            align="center",
            spacing="3",
        ),
        padding_y="4rem",
        width="100%",
        border=f"1px dashed {rx.color('gray', 6)}",
        border_radius="var(--radius-3)",
    )


def error_callout(message) -> rx.Component:
    """Shows `message` (a Var) when it is not empty."""
    return rx.cond(
        message != "", rx.callout(message, icon="triangle-alert", color_scheme="red", size="1", width="100%")
    )


def header() -> rx.Component:
    return rx.box(
        rx.hstack(
            brand(),
            rx.spacer(),
            theme_switch(),
            align="center",
            max_width="72rem",
            margin_x="auto",
            padding_x="1.5rem",
            height="3.5rem",
        ),
        as_="header",
        border_bottom=f"1px solid {rx.color('gray', 5)}",
        background_color=rx.color("gray", 1),
    )


def page_shell(*children: rx.Component) -> rx.Component:
    """A public page (landing, login) in a centred, width-limited column."""
    return rx.box(
        header(),
        rx.box(*children, as_="main", max_width="72rem", margin_x="auto", padding_x="1.5rem", padding_y="2.5rem"),
        min_height="100vh",
        background_color=rx.color("gray", 2),
    )
