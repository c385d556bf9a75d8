"""``python -m tests.botapi_standin``: a stand-in in its own process, for benchmarks and manual runs."""

from __future__ import annotations

import argparse
import signal
import sys
import threading

import tests.botapi_standin
from tests.botapi_standin.server import BotApiStandIn


def main(argv: list[str] | None = None) -> int:
    """Run a stand-in until interrupted; the first line of output is its base URL, for scripts to read."""
    description = tests.botapi_standin.__doc__
    parser = argparse.ArgumentParser(prog="python -m tests.botapi_standin",
                                     description=description.splitlines()[0] if description else None)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081, help="0 picks a free port")
    parser.add_argument("--token", default="123456:TEST-TOKEN")
    parser.add_argument("--username", default="ogp_watch_test_bot")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added to every send")
    args = parser.parse_args(argv)
    standin = BotApiStandIn(args.token, args.host, args.port, args.username).start()
    standin.set_latency(args.latency)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    print(standin.base_url, flush=True)
    print(f"file URL: {standin.base_file_url}  control: {standin.control_url}  token: {standin.token}",
          file=sys.stderr, flush=True)
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        standin.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
