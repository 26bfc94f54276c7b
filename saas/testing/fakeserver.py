"""Run a WSGI app (a plugin's fake server) on 127.0.0.1 with an ephemeral port, in a background thread.

The server is single-threaded on purpose: it answers HTTP/1.0 and closes every connection after its
response, so no keep-alive connection (an SDK's pooled session) can hold a handler thread open after
``stop()``. Requests to one fake are served one at a time, which is all a test needs.

    with serve_wsgi(create_fake_app()) as server:
        requests.get(server.url + "/v1/balance")

or, in a pytest fixture::

    @pytest.fixture
    def fake_url():
        yield from serving(create_fake_app())
"""
from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from werkzeug.serving import WSGIRequestHandler, make_server

LOCALHOST = "127.0.0.1"


class _QuietHandler(WSGIRequestHandler):
    """Keeps test output clean: a fake's access log says nothing a failing assertion does not."""

    def log_request(self, code="-", size="-"):
        pass


@dataclass
class RunningServer:
    """A started server: its base URL (no trailing slash) and how to stop it."""
    url: str
    port: int
    _stop: Callable[[], None] = field(repr=False)

    def stop(self) -> None:
        self._stop()

    def __enter__(self) -> "RunningServer":
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()


def serve_wsgi(app, host: str = LOCALHOST, port: int = 0) -> RunningServer:
    """Start serving ``app`` (port 0: the OS picks a free one); ``stop()`` closes the port and joins the
    thread, and may be called more than once."""
    server = make_server(host, port, app, threaded=False, request_handler=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              name=f"fakeserver:{server.port}", daemon=True)
    thread.start()
    stopped = threading.Event()

    def stop() -> None:
        if stopped.is_set():
            return
        stopped.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)

    return RunningServer(f"http://{host}:{server.port}", server.port, stop)


def serving(app) -> Iterator[str]:
    """Generator for pytest fixtures: yields the base URL, stops the server at teardown."""
    with serve_wsgi(app) as server:
        yield server.url


def run_forever(app, port: int, name: str, credentials: dict, api_path: str = "") -> None:
    """``python -m plugins.<name>.fake``: print the URL and the test credentials, serve until Ctrl-C."""
    import json
    server = make_server(LOCALHOST, port, app, threaded=False)
    url = f"http://{LOCALHOST}:{server.port}"
    print(f"{name} fake server on {url}")
    details = {"settings": {"api_base": url + api_path}, "credentials": credentials}
    print(json.dumps(details, indent=2, ensure_ascii=False), flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
