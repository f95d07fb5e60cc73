"""The Reflex app: Runpad's pages, with the REST API (app.api.main) wrapped around Reflex's backend."""

import reflex as rx

from app.api.main import api
from app.pages import PAGES
from state.auth import SessionBinding, on_backend_exception

# An event whose session has ended raises SessionEnded: on_backend_exception sends the tab to /login.
app = rx.App(api_transformer=api, backend_exception_handler=on_backend_exception)
app.add_middleware(SessionBinding())

# Pages are added here rather than with @rx.page: in `reflex run --env prod` Reflex 0.10.1 compiles
# in the supervisor and again in every forked worker, re-applying decorated pages each time (one
# "Page ... is being redefined" warning per worker).
for page in PAGES:
    app.add_page(page.component, route=page.route, title=f"{page.title} · Runpad", on_load=page.on_load)
