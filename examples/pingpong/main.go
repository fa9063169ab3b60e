package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/troupe-go/troupe/actor"
)

// Ping asks the ponger for a Pong.
type Ping struct{}

// Pong answers a Ping.
type Pong struct{}

// CountPings asks the ponger how many pings it has answered; the answer is
// an int.
type CountPings struct{}

// ponger answers every Ping. It owns its counter: only its own goroutine
// touches it, so it needs no lock.
type ponger struct{ pings int }

func (p *ponger) Receive(c *actor.Context) {
	switch c.Message().(type) {
	case Ping:
		p.pings++
		// The sender is the pinger, so Respond sends Pong to it. It fails
		// only if the pinger is gone, and then the run is over anyway.
		c.Respond(Pong{})
	case CountPings:
		// The sender is System.Request: Respond completes its wait.
		c.Respond(p.pings)
	}
}

// pinger plays n round trips against the ponger, one Ping in flight at a
// time, then stops itself and reports the outcome on done.
type pinger struct {
	ponger actor.PID
	n      int
	pongs  int
	err    error
	done   chan<- error
}

func (p *pinger) Receive(c *actor.Context) {
	switch c.Message().(type) {
	case actor.Started:
		p.ping(c) // the first message every actor receives: serve
	case Pong:
		p.pongs++
		if p.pongs == p.n {
			c.Stop(c.Self())
			return
		}
		p.ping(c)
	case actor.Stopped:
		// The last message, whatever ended the run (even a panic), so main
		// always hears back.
		if p.err == nil && p.pongs < p.n {
			p.err = fmt.Errorf("pinger stopped after %d round trips", p.pongs)
		}
		p.done <- p.err
	}
}

func (p *pinger) ping(c *actor.Context) {
	if err := c.Send(p.ponger, Ping{}); err != nil {
		p.err = fmt.Errorf("ping %d: %w", p.pongs+1, err)
		c.Stop(c.Self())
	}
}

func main() {
	n := flag.Int("n", 1_000_000, "number of round trips")
	flag.Parse()
	if *n < 1 {
		fmt.Fprintln(os.Stderr, "pingpong: -n must be at least 1")
		os.Exit(2)
	}
	if err := run(*n); err != nil {
		fmt.Fprintln(os.Stderr, "pingpong:", err)
		os.Exit(1)
	}
}

func run(n int) error {
	sys := actor.NewSystem()

	pong, err := sys.Spawn(func() actor.Actor { return &ponger{} }, actor.WithName("ponger"))
	if err != nil {
		return err
	}

	// Request waits for the answer, here at most a second.
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	before, err := sys.Request(ctx, pong, CountPings{})
	cancel()
	if err != nil {
		return err
	}
	fmt.Printf("ponger has answered %d pings\n", before)

	// The pinger starts serving as soon as it receives Started.
	done := make(chan error, 1)
	start := time.Now()
	_, err = sys.Spawn(func() actor.Actor { return &pinger{ponger: pong, n: n, done: done} },
		actor.WithName("pinger"))
	if err != nil {
		return err
	}
	if err := <-done; err != nil {
		return err
	}
	elapsed := time.Since(start)

	ctx, cancel = context.WithTimeout(context.Background(), time.Second)
	after, err := sys.Request(ctx, pong, CountPings{})
	cancel()
	if err != nil {
		return err
	}

	perSec := float64(n) / elapsed.Seconds()
	fmt.Printf("%d round trips in %v\n", n, elapsed.Round(time.Microsecond))
	fmt.Printf("%.0f round trips/s, %.0f messages/s\n", perSec, 2*perSec)
	fmt.Printf("ponger has answered %d pings\n", after)

	// Shutdown stops what is left (the ponger) and waits for it.
	ctx, cancel = context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return sys.Shutdown(ctx)
}
