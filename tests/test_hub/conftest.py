"""A local HTTP server (127.0.0.1, a free port) serving a test folder, a
JSON index of entries pointing at it (nothing leaves the machine), and the
tools loaded in process."""
import functools
import hashlib
import http.server
import json
import threading
from pathlib import Path
from typing import List

import pytest

import tool_loader


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Serves ``directory`` and records every requested path."""

    def __init__(self, *args, requests: List[str], **kwargs):
        self._requests = requests
        super().__init__(*args, **kwargs)

    def do_GET(self):
        self._requests.append(self.path)
        if self.path.startswith('/truncated/'):
            # announce the whole file, send half of it, hang up
            content = (Path(self.directory) /
                       self.path.split('/')[-1]).read_bytes()
            self.send_response(200)
            self.send_header('Content-Length', str(len(content)))
            self.end_headers()
            self.wfile.write(content[:len(content) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        super().do_GET()

    def log_message(self, *args):
        pass


class LocalServer:
    """``url(name)``, ``requests`` (paths asked for), ``root`` (served)."""

    def __init__(self, root: Path):
        self.root = root
        self.requests: List[str] = []
        handler = functools.partial(_QuietHandler, directory=str(root),
                                    requests=self.requests)
        self.httpd = http.server.ThreadingHTTPServer(('127.0.0.1', 0),
                                                     handler)
        self.base_url = f'http://127.0.0.1:{self.httpd.server_port}'
        self.thread = threading.Thread(target=self.httpd.serve_forever,
                                       kwargs=dict(poll_interval=0.02),
                                       daemon=True)
        self.thread.start()

    def url(self, name: str) -> str:
        return f'{self.base_url}/{name}'

    def publish(self, name: str, content: bytes) -> str:
        """Serve ``content`` as ``name``; return its sha256."""
        (self.root / name).write_bytes(content)
        return hashlib.sha256(content).hexdigest()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server(tmp_path):
    served = tmp_path / 'served'
    served.mkdir()
    local = LocalServer(served)
    yield local
    local.close()


@pytest.fixture(autouse=True)
def _no_user_environment(monkeypatch):
    """The user's mirror / index / checkpoint-dir variables must not leak
    into the tests."""
    for name in ('EGOHANDS_MODEL_ZOO_URL', 'EGOHANDS_MODEL_ZOO_INDEX',
                 'EGOHANDS_CHECKPOINT_DIR'):
        monkeypatch.delenv(name, raising=False)


def write_index(path: Path, entries: List[dict]) -> str:
    path.write_text(json.dumps(entries))
    return str(path)


@pytest.fixture(scope='session')
def load_tool():
    """``load_tool('tools/NAME.py')``: the tool's module, imported once in
    this process (its ``parse_args`` / ``main`` run without a subprocess)."""
    modules = {}

    def load(path: str):
        if path not in modules:
            modules[path] = tool_loader.load_tool(path)
        return modules[path]
    return load
