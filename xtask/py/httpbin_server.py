"""Serve httpbin on 127.0.0.1 on a port the OS picks, for `cargo xtask interop`.

Prints the chosen port alone on the first stdout line (and flushes) so the caller can
connect; everything else (werkzeug's request log) goes to stderr. It serves until it is
killed: the caller stops it through its own process handle, never by name. It must not
listen on any other address than 127.0.0.1.
"""

import sys

import httpbin
from werkzeug.serving import make_server


def main() -> None:
    server = make_server("127.0.0.1", 0, httpbin.app, threaded=True)
    print(server.server_port, flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
