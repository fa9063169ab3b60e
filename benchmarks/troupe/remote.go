package troupe

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/troupe-go/troupe/actor"
	"github.com/troupe-go/troupe/benchmarks/bench"
	"github.com/troupe-go/troupe/remote"
	"github.com/troupe-go/troupe/remote/server"
)

// The messages that cross the wire, registered on both nodes.
type (
	// Begin, sent as a request, arms a sink for Count messages; the sink
	// sends Done to ReplyTo when they have all arrived.
	Begin struct {
		Count   int64
		ReplyTo actor.PID
	}
	// Seq is one message of the one-way workloads, and the request and
	// its answer in the request workload.
	Seq struct{ N int64 }
	// Done reports what a sink received.
	Done struct {
		Sink               string
		Received, Disorder int64
	}
	// Report, sent as a request, is answered with the sink's Done at once.
	Report struct{}
)

func types() *remote.Types {
	t := remote.NewTypes()
	remote.Register[Begin](t, "bench.Begin")
	remote.Register[Seq](t, "bench.Seq")
	remote.Register[Done](t, "bench.Done")
	remote.Register[Report](t, "bench.Report")
	return t
}

// maxSinks bounds the senders of a remote one-way run.
const maxSinks = 8

// remoteSink counts and checks the Seq messages of one sender.
func remoteSink(name string) func(c *actor.Context) {
	var (
		want    int64
		replyTo actor.PID
		done    Done
	)
	return func(c *actor.Context) {
		switch m := c.Message().(type) {
		case Begin:
			want, replyTo, done = m.Count, m.ReplyTo, Done{Sink: name}
			c.Respond("armed")
		case Seq:
			if m.N != done.Received {
				done.Disorder++
			}
			done.Received++
			if done.Received == want {
				c.Send(replyTo, done)
			}
		case Report:
			c.Respond(done)
		}
	}
}

// echo answers every Seq with itself.
func echo(c *actor.Context) {
	if m, ok := c.Message().(Seq); ok {
		c.Respond(m)
	}
}

func (Framework) RemoteServer(ctx context.Context, ready func(addr string)) error {
	sys, shutdown := newSystem()
	defer shutdown()
	node, err := remote.Start(sys, remote.Config{Types: types()})
	if err != nil {
		return err
	}
	defer node.Close()
	for i := range maxSinks {
		name := "sink" + strconv.Itoa(i)
		if _, err := sys.SpawnFunc(remoteSink(name), actor.WithName(name)); err != nil {
			return err
		}
	}
	if _, err := sys.SpawnFunc(echo, actor.WithName("echo")); err != nil {
		return err
	}
	ready(node.Addr())
	<-ctx.Done()
	return nil
}

// client starts the client node.
func client() (*actor.System, func(), error) {
	sys, shutdown := newSystem()
	node, err := remote.Start(sys, remote.Config{Types: types()})
	if err != nil {
		shutdown()
		return nil, nil, err
	}
	return sys, func() { node.Close(); shutdown() }, nil
}

func (Framework) RemoteOneWay(ctx context.Context, p bench.RemoteOneWay) (bench.Result, error) {
	if p.Senders > maxSinks {
		return bench.Result{}, fmt.Errorf("at most %d senders", maxSinks)
	}
	sys, stop, err := client()
	if err != nil {
		return bench.Result{}, err
	}
	defer stop()
	dones := make(chan Done, p.Senders)
	collector, err := sys.SpawnFunc(func(c *actor.Context) {
		if d, ok := c.Message().(Done); ok {
			dones <- d
		}
	})
	if err != nil {
		return bench.Result{}, err
	}
	sinks := make([]actor.PID, p.Senders)
	for i := range sinks {
		sinks[i] = actor.PID{Address: p.Addr, ID: "sink" + strconv.Itoa(i)}
		// Arming the sink also connects the nodes before the clock starts.
		b := Begin{Count: int64(bench.Share(p.Messages, p.Senders, i)), ReplyTo: collector}
		if _, err := sys.Request(ctx, sinks[i], b); err != nil {
			return bench.Result{}, fmt.Errorf("arming %v: %w", sinks[i], err)
		}
	}
	start := time.Now()
	serr := send(p.Senders, p.Messages, func(s int, i int64) error {
		return sys.Send(sinks[s], Seq{N: i})
	})
	var r bench.Result
	for range p.Senders {
		select {
		case d := <-dones:
			r.Count += d.Received
			r.Disorder += d.Disorder
		case <-ctx.Done():
			// Something was lost: ask each sink what it has.
			return report(sys, sinks, p, start, serr)
		}
	}
	r.Elapsed = time.Since(start)
	return r, serr
}

// report asks every sink for its counts when not all of them reported.
func report(sys *actor.System, sinks []actor.PID, p bench.RemoteOneWay, start time.Time, serr error) (bench.Result, error) {
	r := bench.Result{Elapsed: time.Since(start), Note: "timed out"}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, pid := range sinks {
		v, err := sys.Request(ctx, pid, Report{})
		if err != nil {
			return r, fmt.Errorf("report from %v: %w", pid, err)
		}
		d := v.(Done)
		r.Count += d.Received
		r.Disorder += d.Disorder
	}
	r.Lost = int64(p.Messages) - r.Count
	return r, serr
}

func (Framework) RemoteRequest(ctx context.Context, p bench.RemoteRequest) (bench.Result, error) {
	sys, stop, err := client()
	if err != nil {
		return bench.Result{}, err
	}
	defer stop()
	pid := actor.PID{Address: p.Addr, ID: "echo"}
	if _, err := sys.Request(ctx, pid, Seq{N: -1}); err != nil {
		return bench.Result{}, err
	}
	var r bench.Result
	lat := make([]time.Duration, p.Requests)
	start := time.Now()
	for i := range int64(p.Requests) {
		t0 := time.Now()
		v, err := sys.Request(ctx, pid, Seq{N: i})
		if err != nil {
			return bench.Result{}, fmt.Errorf("request %d: %w", i, err)
		}
		lat[i] = time.Since(t0)
		if v != (Seq{N: i}) {
			r.Disorder++
		}
	}
	r.Elapsed = time.Since(start)
	r.Count = int64(p.Requests)
	r.P50, r.P99 = bench.Percentiles(lat)
	return r, nil
}

func (Framework) EchoServer(ctx context.Context, ready func(addr string)) error {
	srv := server.New("127.0.0.1:0", func(_ context.Context, c net.Conn) { bench.EchoLines(c) })
	if err := srv.Start(); err != nil {
		return err
	}
	ready(srv.Addr())
	<-ctx.Done()
	stop, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return srv.Stop(stop)
}
