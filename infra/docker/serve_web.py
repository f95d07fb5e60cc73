"""Starts Runpad's web process in the web image: `reflex run --env prod` minus its build step.

`reflex run --env prod` (Reflex 0.10.1, reflex/reflex.py `_run_prod`) recompiles the app and rebuilds
the front end with bun on every start: minutes of CPU, bun and node_modules in the running image, and
a writable .web. The image builds the front end once (`reflex export --frontend-only`), so this does
only the rest of `_run_prod`: the same port for front end and backend, compile skipped, and the
backend (Granian) serving the built front end next to /api, /healthz and /readyz (/hooks has its own
origin: app.api.hooks_app).
It uses Reflex internals, so re-check it when requirements.txt moves Reflex past 0.10.1
(tests/infra/test_images.py pins the version it was written against).

    cd /app && python /opt/runpad/serve_web.py      port: REFLEX_FRONTEND_PORT (default 3000)
"""

from __future__ import annotations

import os

from reflex.utils import exec as reflex_exec
from reflex_base import constants
from reflex_base.config import get_config
from reflex_base.environment import environment

WRITTEN_FOR_REFLEX = "0.10.1"


def main() -> None:
    port = int(os.environ.get("REFLEX_FRONTEND_PORT") or 3000)
    config = get_config()
    environment.REFLEX_ENV_MODE.set(constants.Env.PROD)
    # In prod the front end calls the backend on its own port; subprocesses read these from the env.
    config._set_persistent(frontend_port=port, backend_port=port)
    environment.REFLEX_SKIP_COMPILE.set(True)
    reflex_exec.run_backend_prod(
        config.backend_host, port, config.loglevel.subprocess_level(), mount_frontend_compiled_app=True
    )


if __name__ == "__main__":
    main()
