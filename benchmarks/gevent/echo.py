"""The line echo server of the comparison's echo workload, on gevent's
StreamServer: every line a client sends comes back to it.

It speaks the protocol of the Go runner's server processes (bench.Serve):
it prints "ready HOST:PORT" once listening, serves until its standard input
is closed, then prints "stats {json}" with its peak resident set and exits.
Loopback only.
"""

import json
import os
import resource
import sys

from gevent import socket
from gevent.server import StreamServer


def echo(sock, address):
    """Send each line back until the client leaves."""
    lines = sock.makefile("rb")
    try:
        while True:
            line = lines.readline()
            if not line:
                return
            sock.sendall(line)
    finally:
        lines.close()


def wait_for_eof(fd):
    """Block this greenlet, not the hub, until fd reaches end of file."""
    while True:
        socket.wait_read(fd)
        if not os.read(fd, 4096):
            return


def main():
    server = StreamServer(("127.0.0.1", 0), echo)
    server.start()
    host, port = server.address[:2]
    print(f"ready {host}:{port}", flush=True)
    wait_for_eof(sys.stdin.fileno())
    server.stop(timeout=5)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print("stats " + json.dumps({"peak_rss": peak}), flush=True)


if __name__ == "__main__":
    main()
