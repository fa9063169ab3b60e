// Package metrics exports what a troupe program does to Prometheus: its
// actors, their mailboxes and supervision, dead letters, and the
// connections of a server.Server (package remote/server).
//
// A program makes one Metrics per System, on a registry of its own, and
// wires it in with a few lines:
//
//	reg := prometheus.NewRegistry()
//	m, err := metrics.New(reg, metrics.WithNode("a"))
//	sys := actor.NewSystem(actor.WithObserver(m.Observer()))
//	err = m.Observe(sys)
//	http.Handle("/metrics", metrics.Handler(reg))
//
// and gives m.ServerObserver() to server.WithObserver for a stream server.
//
// Two kinds of series come out of it. Counters and histograms (spawns,
// stops, restarts, panics, messages, handling time, dead letters,
// connections) are fed by the runtime's hooks, actor.Observer and
// server.Observer; the children for an actor kind are resolved once,
// when the first actor of the kind is spawned, and messages are counted once
// per batch, so nothing on the path of a message looks up a label. Gauges
// (actors alive, mailbox depth and capacity) are never pushed: the collector
// that Observe registers reads System.Snapshot when Prometheus scrapes.
//
// Labels are bounded: the actor kind (see actor.WithKind), a reason from a
// short fixed list, and the node given with WithNode; never a PID. The node
// label lets the Metrics of several Systems share one registry. Nothing is
// registered on prometheus.DefaultRegisterer.
//
// The series, with their types, labels and meaning, are listed in
// docs/guide/metrics.md; examples/metrics runs a small system that moves
// all of them. See Example for a whole program in a few lines.
package metrics
