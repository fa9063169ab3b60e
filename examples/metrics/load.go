package main

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/troupe-go/troupe/actor"
)

// load keeps the node busy until ctx is done, with one goroutine per kind
// of traffic; serverAddr is the stream server's address, for its clients.
func (n *node) load(ctx context.Context, serverAddr string) {
	var wg sync.WaitGroup
	every := func(d time.Duration, f func()) {
		wg.Go(func() {
			t := time.NewTicker(d)
			defer t.Stop()
			for {
				select {
				case <-ctx.Done():
					return
				case <-t.C:
					f()
				}
			}
		})
	}
	// 10,000 one-way messages a second over the counters.
	every(10*time.Millisecond, func() {
		for i := range 100 {
			n.sys.SendContext(ctx, n.counters[i%len(n.counters)], tick{})
		}
	})
	// 500 requests a second over the workers.
	every(2*time.Millisecond, func() {
		rctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
		defer cancel()
		n.sys.Request(rctx, n.workers[rand.IntN(len(n.workers))], square{N: rand.IntN(100)})
	})
	// Over the network, when the node has a peer: 2,000 one-way messages
	// and 100 requests a second to its actors.
	if len(n.peerCounters) > 0 {
		every(10*time.Millisecond, func() {
			for i := range 20 {
				n.sys.SendContext(ctx, n.peerCounters[i%len(n.peerCounters)], tick{})
			}
		})
		every(10*time.Millisecond, func() {
			rctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
			defer cancel()
			n.sys.Request(rctx, n.peerWorkers[rand.IntN(len(n.peerWorkers))], square{N: rand.IntN(100)})
		})
	}
	// 50 jobs a second, one in 20 failing: a panic and a restart.
	every(20*time.Millisecond, func() {
		n.sys.SendContext(ctx, n.flaky, job{fail: rand.IntN(20) == 0})
	})
	// Bursts of 20 notes to a 16-slot DropNewest mailbox.
	every(50*time.Millisecond, func() {
		for range 20 {
			n.sys.Send(n.lossy, note{})
		}
	})
	// A session every 100 ms: spawned, stopped by its first message, and
	// sent one more, which is a dead letter (stopped, or not found).
	every(100*time.Millisecond, func() {
		pid, err := n.sys.SpawnFunc(session, actor.WithKind("session"))
		if err == nil {
			n.sys.Send(pid, tick{})
			n.sys.Send(pid, tick{})
		}
	})
	// A client of the stream server every 100 ms, and three at once every
	// second, one more than its slots.
	every(100*time.Millisecond, func() { ask(ctx, serverAddr) })
	every(time.Second, func() {
		for range 3 {
			wg.Go(func() { ask(ctx, serverAddr) })
		}
	})
	wg.Wait()
}

// ask is a client of the stream server: it asks for the square of a few
// numbers, one line each, and leaves.
func ask(ctx context.Context, addr string) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(time.Second))
	r := bufio.NewReader(conn)
	for i := range 5 {
		if _, err := fmt.Fprintf(conn, "%d\n", i); err != nil {
			return
		}
		if _, err := r.ReadString('\n'); err != nil {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// serve is the stream server's handler: for each number on a line, it
// asks a worker for its square and writes the answer back.
func (n *node) serve(ctx context.Context, conn net.Conn) {
	stop := context.AfterFunc(ctx, func() { conn.SetReadDeadline(time.Now()) })
	defer stop()
	sc := bufio.NewScanner(conn)
	for sc.Scan() {
		x, err := strconv.Atoi(sc.Text())
		if err != nil {
			fmt.Fprintln(conn, "not a number")
			continue
		}
		reply, err := n.sys.Request(ctx, n.workers[x%len(n.workers)], square{N: x})
		if err != nil {
			return
		}
		fmt.Fprintln(conn, reply)
	}
}
