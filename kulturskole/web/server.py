"""Serving the console with uvicorn."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import date

from kulturskole.web.app import create_app


def serve(host: str, port: int, today: Callable[[], date] | None = None) -> None:
    import uvicorn

    # uvicorn shuts down gracefully on Ctrl-C, then raises it again: that is a normal stop.
    with contextlib.suppress(KeyboardInterrupt):
        uvicorn.run(
            create_app(today=today),
            host=host,
            port=port,
            log_level="info",
            proxy_headers=True,  # https behind a proxy: the session cookie is then Secure
            server_header=False,
        )
