"""Reflex configuration for Runpad's web process; every value comes from app.core.settings (RUNPAD_* env)."""

from urllib.parse import urlsplit

import reflex as rx

from app.core.settings import settings

_ide = urlsplit(settings.public_url)

config = rx.Config(
    app_name="app",  # the package `app`, whose app/app.py defines `app = rx.App(...)`
    telemetry_enabled=False,
    # Reflex keeps per-tab UI state in Redis, so `reflex run --env prod` can start several backend
    # workers (without a redis_url it runs one worker with on-disk state).
    redis_url=settings.redis_url,
    # db_url is deliberately unset: app/core/db.py owns the engine and alembic/ the schema. With it set,
    # `reflex run` would diff rx.Model metadata against the database on every start.
    deploy_url=settings.public_url,
    # Reflex's default ("*", with credentials) lets any page, a hook's included, read the IDE's answers
    # and open its socket: only the IDE's own origin may.
    cors_allowed_origins=[f"{_ide.scheme}://{_ide.netloc}"],
    # api_url stays Reflex's localhost default: the browser swaps in its own host name, and in prod
    # mode the backend shares the frontend's port.
    show_built_with_reflex=False,
    plugins=[rx.plugins.RadixThemesPlugin(theme=rx.theme(accent_color="indigo", radius="medium"))],
    # Runpad's pages sit behind a login; a sitemap.xml would only list them.
    disable_plugins=[rx.plugins.SitemapPlugin],
)
