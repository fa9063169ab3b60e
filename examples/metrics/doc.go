// Command metrics runs a small troupe system under steady load and serves
// its Prometheus metrics, so that every troupe_ series moves:
//
//	go run ./examples/metrics &
//	curl -s 127.0.0.1:9090/metrics | grep troupe_
//
// A few kinds of actors share the load: counters take a stream of one-way
// messages, workers answer requests, a flaky actor panics now and then and
// its supervisor restarts it, a lossy actor's small DropNewest mailbox
// overflows, and short-lived sessions come and go (their late messages are
// dead letters). A stream server answers clients through the workers, with
// too few connection slots for its busiest moments.
//
// Two nodes run in the process, "a" and "b", each a System with a
// remote.Node on loopback and its own Metrics (label node="a" or "b") on one
// registry. Node a also sends one-way messages and requests to the actors
// of node b over the network, so the troupe_remote_ series move too. The Go
// runtime's and the process's collectors are registered beside troupe's, for
// the dashboard in docs/grafana/troupe.json.
//
// The flaky actor's panics are on purpose: they show in the metrics, and
// in the log only with -v. Ctrl-C (or SIGTERM) stops it cleanly, and says
// so; so does -duration.
//
//	go run ./examples/metrics -listen 127.0.0.1:9191 -duration 30s
package main
