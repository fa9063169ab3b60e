// Command multinode joins actor systems over the network and shows what
// happens when one of them goes away.
//
// Run alone, it starts three nodes in one process, each an actor.System
// with a remote.Node on its own loopback port, and tells a story: every
// node plays ping-pong with the ponger of every other (the Ping carries the
// pinger's PID, and the ponger answers to that PID across the network), a
// request gets its answer from another node, a watcher on the first node
// watches the ponger of the third, and then the third node is stopped by
// its Event. The watcher is told the ponger is gone, with a reason that
// says its node went down, while the other two nodes go on playing. Last,
// a fourth node runs in a process of its own (this program, re-run with
// -listen), plays with the first two, and is killed with SIGKILL: no
// goodbye on the wire, yet their watchers are told at once.
//
//	go run ./examples/multinode
//
// Run with -listen, it is one node of a network of processes: it serves a
// ponger, pings every -peer once a second, watches their pongers, and
// reports what it hears until Ctrl-C stops its node (the process then
// shuts its System down and exits). In three terminals:
//
//	go run ./examples/multinode -listen 127.0.0.1:7001 -peer 127.0.0.1:7002 -peer 127.0.0.1:7003
//	go run ./examples/multinode -listen 127.0.0.1:7002 -peer 127.0.0.1:7001 -peer 127.0.0.1:7003
//	go run ./examples/multinode -listen 127.0.0.1:7003 -peer 127.0.0.1:7001 -peer 127.0.0.1:7002
//
// Stop one with Ctrl-C, or kill it, and watch the others report it.
package main
