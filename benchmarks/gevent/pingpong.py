"""Ping-pong between actors built the way gevent's tutorial builds them:
a Greenlet subclass with a gevent.queue.Queue inbox and a loop that takes
one message at a time and hands it to receive().

Each pinger sends a batch of pings, waits until every one has come back as
a pong, and sends the next batch, until COUNT pings have been answered.
Pongs must come back once each and in order. Prints one line,
"result {json}", with the fields of the Go runner's bench.Result: count
(messages both ways), elapsed (nanoseconds), lost, disorder, peak_rss.

usage: pingpong.py PAIRS BATCH COUNT
"""

import json
import resource
import sys
import time

import gevent
from gevent.queue import Queue


class Actor(gevent.Greenlet):
    """An actor: an inbox and a receive loop on a greenlet of its own."""

    def __init__(self):
        super().__init__()
        self.inbox = Queue()
        self.running = False

    def tell(self, message):
        self.inbox.put(message)

    def receive(self, message):
        raise NotImplementedError

    def _run(self):
        self.running = True
        while self.running:
            self.receive(self.inbox.get())


class Ponger(Actor):
    def receive(self, message):
        kind, seq, sender = message
        if kind == "ping":
            sender.tell(("pong", seq, self))
        elif kind == "stop":
            self.running = False


class Pinger(Actor):
    def __init__(self, ponger, batch, count):
        super().__init__()
        self.ponger = ponger
        self.batch = batch
        self.count = count
        self.sent = 0
        self.got = 0
        self.disorder = 0
        self.end = None

    def send_batch(self):
        for _ in range(min(self.batch, self.count - self.sent)):
            self.ponger.tell(("ping", self.sent, self))
            self.sent += 1

    def receive(self, message):
        kind, seq, _ = message
        if kind == "begin":
            self.send_batch()
            return
        if seq != self.got:
            self.disorder += 1
        self.got += 1
        if self.got == self.count:
            self.end = time.perf_counter()
            self.ponger.tell(("stop", 0, self))
            self.running = False
        elif self.got == self.sent:
            self.send_batch()


def main():
    pairs, batch, count = (int(a) for a in sys.argv[1:4])
    pingers = []
    actors = []
    for _ in range(pairs):
        ponger = Ponger()
        pinger = Pinger(ponger, batch, count)
        pingers.append(pinger)
        actors += [ponger, pinger]
    for a in actors:
        a.start()
    gevent.sleep(0)  # let every receive loop reach its inbox
    start = time.perf_counter()
    for p in pingers:
        p.tell(("begin", 0, None))
    gevent.joinall(actors, timeout=600)
    end = max((p.end or time.perf_counter()) for p in pingers)
    got = sum(p.got for p in pingers)
    result = {
        "count": 2 * got,
        "elapsed": int((end - start) * 1e9),
        "lost": pairs * count - got,
        "disorder": sum(p.disorder for p in pingers),
        "peak_rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
    }
    print("result " + json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
