package main

import (
	"fmt"
	"strconv"
	"strings"
)

// markdown is the whole results page.
func (r *run) markdown() string {
	var b strings.Builder
	p := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }
	p("# troupe beside Proto.Actor and gevent\n\n")
	p("<!-- Written by `go run ./cmd/compare` in benchmarks/. Do not edit: run it again. -->\n\n")
	p("The same workloads on each framework, each written the way that framework's\n")
	p("own documentation writes it, run by one command that anyone can repeat:\n\n")
	p("```\ncd benchmarks && go run ./cmd/compare\n```\n\n")
	p("Every trial runs in a fresh process, and the remote and echo workloads put\n")
	p("their server in a second one, on 127.0.0.1. In each round the frameworks take\n")
	p("turns on each workload (A B C, then B C A, ...), so that the machine's noise\n")
	p("falls on all of them alike; the figures are medians over the rounds, with the\n")
	p("spread beside them. Every run checks that each message arrived once and in its\n")
	p("sender's order: a loss is reported in the table, never counted as speed.\n\n")

	p("## Machine and versions\n\n")
	p("- Measured %s, %d rounds, in %s.\n", r.Start.Format("2006-01-02 15:04 MST"), r.opts.rounds, r.End.Sub(r.Start).Round(1e9))
	p("- %d CPUs (%s), %s, linux.\n", r.CPUs, r.CPUModel, r.GoVersion)
	p("- Load average (1, 5, 15 min) at the start: %s; after each round: %s.\n", r.LoadStart, strings.Join(r.LoadRounds, "; "))
	p("- The loads after each round include the trials' own: each keeps both CPUs busy.\n")
	if r.busy() {
		p("- **A shared, busy machine**: other work was running when these measurements began\n")
		p("  (a load average of 0.5 or more at the start). Absolute figures are low and noisy; the ratios,\n")
		p("  taken from trials run one after the other, say more. Rerun on a quiet machine\n")
		p("  for figures to quote.\n")
	}
	p("\n| Framework | Version |\n|---|---|\n")
	for _, f := range r.Frameworks {
		p("| %s | %s |\n", f.Name(), r.Versions[f.Name()])
	}
	p("\nProto.Actor has no tagged release: its version is the newest pseudo-version the Go\n")
	p("module proxy serves (`@latest`); its go.mod says go 1.21, and `benchmarks/go.mod`\n")
	p("says go 1.25, as the library's does. gevent is Debian's package, run by\n")
	p("`/usr/bin/python3`.\n")
	p("\nNot measured here:\n\n")
	for _, n := range notMeasured {
		p("- %s: %s. Adding it is one package implementing `bench.Framework` and one line in `cmd/compare/frameworks.go`.\n", n.name, n.why)
	}
	p("\n![troupe's lead over each peer, per workload, log scale](benchmarks.svg)\n\n")

	p("## Results\n\n")
	p("“troupe vs this” is troupe's lead over that framework: its throughput divided\n")
	p("by the other's, or the other's time or memory divided by troupe's, so above 1\n")
	p("troupe is ahead and below 1 it trails. Peak heap is the heap in use by objects,\n")
	p("sampled every millisecond (runtime/metrics), of the client and server processes\n")
	p("together; in brackets, their peak resident sets (VmHWM; for gevent, ru_maxrss).\n")
	p("For the echo workload both are the server's alone, since the Go client is the\n")
	p("same for all.\n\n")
	p("%s\n", r.table())

	p("## Where troupe leads and where it trails\n\n")
	p("Targets from issue 13. “Round by round” are the leads of each round's pair of\n")
	p("trials, run one after the other: their range shows how much of a difference is\n")
	p("noise.\n\n")
	p("%s\n", r.leads())

	p("## The workloads\n\n")
	for _, w := range r.Workloads {
		if d, ok := workloadNotes[w.ID]; ok {
			p("- **%s** (%s). %s\n", w.Title, w.Describe(sizes(r.opts)), d)
		}
	}
	p("\nThe code is in `benchmarks/`: `bench/` (the interface, sizes, checks and meters),\n")
	p("one package per framework (`troupe/`, `protoactor/`, `gevent/` with its Python\n")
	p("scripts, `netloop/`), and `cmd/compare/` (this runner).\n\n")

	p("## Reproduce\n\n")
	p("```\ncd benchmarks\n")
	p("go run ./cmd/compare                         # %d rounds, writes this page and the chart\n", r.opts.rounds)
	p("go run ./cmd/compare -rounds 9 -only pingpong,spawn\n")
	p("go run ./cmd/compare -only pingpong -cpuprofile /tmp/prof -md '' -svg ''\n")
	p("go tool pprof -top /tmp/prof/pingpong-troupe.pprof\n")
	p("go run ./cmd/compare -quick                  # one tiny round of everything, as CI runs it\n")
	p("```\n\n")
	p("gevent is measured through Debian's `python3-gevent` and `/usr/bin/python3`\n")
	p("(`-python` to change it); without it its rows say why they are missing.\n\n")

	p("## Raw values\n\n<details><summary>Each round's figure, in run order</summary>\n\n")
	p("| Workload | Framework | Rounds |\n|---|---|---|\n")
	for _, w := range r.Workloads {
		for _, f := range r.Frameworks {
			c := r.cell(w.ID, f.Name())
			if len(c.values) == 0 {
				continue
			}
			vals := make([]string, len(c.values))
			for i, v := range c.values {
				vals[i] = strconv.Itoa(c.rounds[i]+1) + ": " + formatValue(w, v)
			}
			p("| %s | %s | %s |\n", w.ID, f.Name(), strings.Join(vals, ", "))
		}
	}
	p("\n</details>\n")
	return b.String()
}

// busy says whether the load average, at any reading, exceeded the CPUs.
// busy says whether other work was running when the measurement began: a
// 1-minute load average of 0.5 or more at the start. The loads after each
// round are not judged: the trials themselves keep both CPUs busy.
func (r *run) busy() bool {
	f := strings.Fields(r.LoadStart)
	if len(f) == 0 {
		return true
	}
	v, err := strconv.ParseFloat(f[0], 64)
	return err != nil || v >= 0.5
}

// workloadNotes says how each framework runs each workload.
var workloadNotes = map[string]string{
	"oneway": "One goroutine sends numbered messages with `System.Send` (troupe) or `RootContext.Send` " +
		"(Proto.Actor) to one actor, which checks the numbers. Each message is a small struct boxed " +
		"per send. troupe's default mailbox holds 1,024 and makes the sender wait when full; " +
		"Proto.Actor's default mailbox is unbounded.",
	"plain": "As one-way, but each message is the bare int sequence number, `Send(pid, i)`: the first " +
		"program a user writes. Both runtimes box the int per send (above 255).",
	"fanin": "As one-way, with 8 sending goroutines; the actor checks each sender's order.",
	"pingpong": "Each pinger actor sends a batch of 100 pings to its ponger and sends the next batch " +
		"when all 100 pongs are back. troupe: `Context.Send` and `Context.Respond`; Proto.Actor: " +
		"`Context.Request` and `Context.Respond`. Counted both ways.",
	"pidpingpong": "As ping-pong, but each ping carries its pinger's PID and the ponger sends its pong " +
		"to that PID with its own inside, as Erlang and Akka programs do: `Context.Send(m.From, " +
		"Pong{From: c.Self()})` (troupe, a PID value of two strings) and `Context.Send(m.From, " +
		"&Pong{From: c.Self()})` (Proto.Actor, a *PID). The PID-carrying one is the common one between nodes.",
	"pingpong1": "The same with one pair, so that gevent can take part: two actors as gevent's tutorial " +
		"makes them, a `Greenlet` subclass with a `gevent.queue.Queue` inbox and a receive loop " +
		"(`benchmarks/gevent/pingpong.py`), timed inside Python.",
	"request": "Sequential request/response from outside the system: `System.Request` (troupe), " +
		"`RootContext.RequestFuture(...).Result()` (Proto.Actor); mean time per round trip.",
	"bounded": "100 goroutines send to one actor whose mailbox holds 1,000: troupe " +
		"`WithMailboxSize(1000)` (Block policy), Proto.Actor `actor.WithMailbox(actor.Bounded(1000))`. " +
		"A meter samples, every 100 µs, how many messages were sent and not yet handled; what a full " +
		"mailbox does (blocks, drops, grows) is read from that and from the losses.",
	"spawn": "From a new system, spawn that many actors (all alive at once), then stop each and wait " +
		"until it has stopped: `Stop` and `Wait` (troupe), `StopFuture` and `Wait` (Proto.Actor). " +
		"Every actor must see Started and Stopped.",
	"idle": "Spawn named actors, send each one message, wait until all are handled and idle, then " +
		"(heap in use + stacks, after two GCs) minus the same before the system was made, per actor.",
	"remote1": "A second OS process (this runner re-executed with `-serve`) holds the receiving actors; " +
		"one goroutine sends numbered messages to one of them over loopback TCP: troupe's node " +
		"(msgpack frames), Proto.Actor's remote (gRPC, protobuf messages). The receiver checks the order " +
		"and reports back with a message when all have arrived.",
	"remote2": "As remote one-way with 2 senders, each to its own actor, over the one connection " +
		"between the two processes.",
	"remotereq": "Sequential request/response to an actor in the second process; the median and the " +
		"99th percentile of the round trips.",
	"echo": "A line echo server in its own process, loaded by the same Go client: 50 connections, " +
		"each sends a numbered line and waits for it to come back, for a fixed time. troupe's " +
		"`server.Server` and a bare `net.Listen` loop run the same handler; gevent runs a `StreamServer` " +
		"(`benchmarks/gevent/echo.py`) on one thread.",
}
