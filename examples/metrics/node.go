package main

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/troupe-go/troupe/actor"
	"github.com/troupe-go/troupe/mailbox"
	"github.com/troupe-go/troupe/metrics"
	"github.com/troupe-go/troupe/remote"
	"github.com/troupe-go/troupe/supervisor"
)

// node is one System and its Metrics, whose series carry node=name. A
// program with several nodes starts one each, on the same registry.
type node struct {
	name    string
	sys     *actor.System
	metrics *metrics.Metrics

	counters []actor.PID // one-way messages
	workers  []actor.PID // requests
	flaky    actor.PID   // panics now and then
	lossy    actor.PID   // a small DropNewest mailbox, slow to drain

	net                       *remote.Node // this System's node on the network
	peerCounters, peerWorkers []actor.PID  // another node's, reached through net
}

// Messages of the example.
type (
	tick   struct{}            // counted by a counter; also crosses the network
	square struct{ N int }     // a worker answers N*N, after a little work; also remote
	job    struct{ fail bool } // the flaky actor panics on a failing job
	note   struct{}            // the lossy actor takes its time over one
)

// restartAlways restarts any top-level actor that panics, after a short
// backoff, and gives up only past 1000 failures a minute.
var restartAlways = supervisor.OneForOne(
	supervisor.WithMaxRestarts(1000, time.Minute),
	supervisor.WithBackoff(time.Millisecond, 100*time.Millisecond))

// startNode makes a System named name, with its Metrics on reg, and spawns
// its actors.
func startNode(reg prometheus.Registerer, name string, logger *slog.Logger) (*node, error) {
	m, err := metrics.New(reg, metrics.WithNode(name))
	if err != nil {
		return nil, err
	}
	sys := actor.NewSystem(actor.WithObserver(m.Observer()), actor.WithLogger(logger), actor.WithGuardian(restartAlways))
	if err := m.Observe(sys); err != nil {
		return nil, err
	}
	n := &node{name: name, sys: sys, metrics: m}
	spawn := func(kind string, f func(*actor.Context), opts ...actor.Option) actor.PID {
		if err != nil {
			return actor.PID{}
		}
		var pid actor.PID
		pid, err = sys.SpawnFunc(f, append(opts, actor.WithKind(kind))...)
		return pid
	}
	for range 3 {
		n.counters = append(n.counters, spawn("counter", count()))
	}
	for range 4 {
		n.workers = append(n.workers, spawn("worker", work))
	}
	n.flaky = spawn("flaky", flaky)
	n.lossy = spawn("lossy", slow, actor.WithMailboxSize(16), actor.WithOverflow(mailbox.DropNewest))
	if err != nil {
		sys.Shutdown(context.Background())
		return nil, err
	}
	return n, nil
}

// shutdown stops the node's actors, if run has not already.
func (n *node) shutdown() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	n.sys.Shutdown(ctx)
}

// count returns a counter's Receive: it counts ticks.
func count() func(*actor.Context) {
	seen := 0
	return func(c *actor.Context) {
		if _, ok := c.Message().(tick); ok {
			seen++
		}
	}
}

// work answers a square the slow way, as the sum of the first N odd
// numbers, added up again for a random number of rounds: handling times
// spread from under a microsecond to tens of them.
func work(c *actor.Context) {
	if m, ok := c.Message().(square); ok {
		sq := 0
		for range 1 + rand.IntN(200) {
			sq = 0
			for i := range m.N {
				sq += 2*i + 1
			}
		}
		c.Respond(sq)
	}
}

// flaky fails the jobs it is told to fail, by panicking: its supervisor
// (restartAlways) gives it a new instance each time.
func flaky(c *actor.Context) {
	if m, ok := c.Message().(job); ok && m.fail {
		panic("job failed on purpose")
	}
}

// slow takes 2 ms over each note: its 16-slot mailbox cannot keep up with
// bursts of 20, and drops what does not fit.
func slow(c *actor.Context) {
	if _, ok := c.Message().(note); ok {
		time.Sleep(2 * time.Millisecond)
	}
}

// session is a short-lived actor: it stops itself at its first message.
func session(c *actor.Context) {
	if _, ok := c.Message().(tick); ok {
		c.Stop(c.Self())
	}
}
