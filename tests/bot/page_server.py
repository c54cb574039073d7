"""Runs the page server's sanic app in a background thread of the test process, on a free port.

In-process, so the tests share the knowledge base's question index with the other unit tests
(it is built once per process).
"""
from __future__ import annotations

import asyncio
import threading
from contextlib import contextmanager
from typing import Iterator

from sanic import Sanic

from bot import webserver


@contextmanager
def running(**settings) -> Iterator[str]:
    """Serves webserver.make_app(**settings) on 127.0.0.1; yields its base URL."""
    sock = webserver.listening_socket("127.0.0.1", 0)
    port = sock.getsockname()[1]
    # Sanic rewrites some of its methods when an app starts; in test mode it keeps the
    # originals, so that a second app in the same process can start too (as sanic-testing does).
    Sanic.test_mode = True
    app = webserver.make_app(**settings)
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    failures = []

    async def serve() -> None:
        server = await app.create_server(sock=sock, return_asyncio_server=True, access_log=False)
        await server.startup()
        await server.after_start()
        ready.set()
        await server.serve_forever()

    def thread() -> None:
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(serve())
        except RuntimeError:
            pass  # the loop was stopped at the end of the test
        except Exception as error:  # noqa: BLE001 (reported to the test below)
            failures.append(error)
            ready.set()

    worker = threading.Thread(target=thread, daemon=True)
    worker.start()
    assert ready.wait(30) and not failures, f"the page server did not start: {failures}"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        loop.call_soon_threadsafe(loop.stop)
        worker.join(10)
        sock.close()
