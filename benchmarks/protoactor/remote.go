package protoactor

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/asynkron/protoactor-go/remote"
	"google.golang.org/protobuf/proto"

	"github.com/troupe-go/troupe/benchmarks/bench"
	"github.com/troupe-go/troupe/benchmarks/protoactor/pb"
)

const maxSinks = 8

// startRemote starts a system with its remote on 127.0.0.1, a free port.
func startRemote() (*actor.ActorSystem, *remote.Remote) {
	sys := newSystem()
	r := remote.NewRemote(sys, remote.Configure("127.0.0.1", 0))
	r.Start()
	return sys, r
}

// sinkActor counts and checks the Seq messages of one sender, and sends
// Done to the sender of Begin when they have all arrived.
func sinkActor(name string) actor.ReceiveFunc {
	var (
		want    int64
		replyTo *actor.PID
		done    = &pb.Done{Sink: name}
	)
	return func(c actor.Context) {
		switch m := c.Message().(type) {
		case *pb.Begin:
			want, replyTo, done = m.Count, c.Sender(), &pb.Done{Sink: name}
			c.Respond(&pb.Armed{})
		case *pb.Seq:
			if m.N != done.Received {
				done.Disorder++
			}
			done.Received++
			if done.Received == want {
				c.Send(replyTo, proto.Clone(done))
			}
		case *pb.Report:
			c.Respond(proto.Clone(done))
		}
	}
}

func (Framework) RemoteServer(ctx context.Context, ready func(addr string)) error {
	sys, r := startRemote()
	defer r.Shutdown(false)
	defer sys.Shutdown()
	for i := range maxSinks {
		name := "sink" + strconv.Itoa(i)
		if _, err := sys.Root.SpawnNamed(actor.PropsFromFunc(sinkActor(name)), name); err != nil {
			return err
		}
	}
	echo := actor.PropsFromFunc(func(c actor.Context) {
		if m, ok := c.Message().(*pb.Seq); ok {
			c.Respond(m)
		}
	})
	if _, err := sys.Root.SpawnNamed(echo, "echo"); err != nil {
		return err
	}
	ready(sys.Address())
	<-ctx.Done()
	return nil
}

// arm is sent to the collector: it arms each sink with a Request, so that
// the sinks know where to send Done.
type arm struct {
	sinks  []*actor.PID
	counts []int64
}

func (Framework) RemoteOneWay(ctx context.Context, p bench.RemoteOneWay) (bench.Result, error) {
	if p.Senders > maxSinks {
		return bench.Result{}, fmt.Errorf("at most %d senders", maxSinks)
	}
	if _, _, err := net.SplitHostPort(p.Addr); err != nil {
		return bench.Result{}, err
	}
	sys, r := startRemote()
	defer r.Shutdown(false)
	defer sys.Shutdown()
	armed := make(chan struct{}, p.Senders)
	dones := make(chan *pb.Done, p.Senders)
	collector := sys.Root.Spawn(actor.PropsFromFunc(func(c actor.Context) {
		switch m := c.Message().(type) {
		case *arm:
			for i, pid := range m.sinks {
				c.Request(pid, &pb.Begin{Count: m.counts[i]})
			}
		case *pb.Armed:
			armed <- struct{}{}
		case *pb.Done:
			dones <- m
		}
	}))
	sinks := make([]*actor.PID, p.Senders)
	counts := make([]int64, p.Senders)
	for i := range sinks {
		sinks[i] = actor.NewPID(p.Addr, "sink"+strconv.Itoa(i))
		counts[i] = int64(bench.Share(p.Messages, p.Senders, i))
	}
	// Arming the sinks also connects the systems before the clock starts.
	sys.Root.Send(collector, &arm{sinks, counts})
	for range sinks {
		select {
		case <-armed:
		case <-ctx.Done():
			return bench.Result{}, fmt.Errorf("arming the sinks: %w", ctx.Err())
		}
	}
	start := time.Now()
	send(p.Senders, p.Messages, func(s int, i int64) {
		sys.Root.Send(sinks[s], &pb.Seq{N: i})
	})
	var res bench.Result
	for range p.Senders {
		select {
		case d := <-dones:
			res.Count += d.Received
			res.Disorder += d.Disorder
		case <-ctx.Done():
			return report(sys, sinks, p, start)
		}
	}
	res.Elapsed = time.Since(start)
	return res, nil
}

// report asks every sink for its counts when not all of them reported.
func report(sys *actor.ActorSystem, sinks []*actor.PID, p bench.RemoteOneWay, start time.Time) (bench.Result, error) {
	r := bench.Result{Elapsed: time.Since(start), Note: "timed out"}
	for _, pid := range sinks {
		v, err := sys.Root.RequestFuture(pid, &pb.Report{}, 10*time.Second).Result()
		if err != nil {
			return r, fmt.Errorf("report from %v: %w", pid, err)
		}
		d := v.(*pb.Done)
		r.Count += d.Received
		r.Disorder += d.Disorder
	}
	r.Lost = int64(p.Messages) - r.Count
	return r, nil
}

func (Framework) RemoteRequest(ctx context.Context, p bench.RemoteRequest) (bench.Result, error) {
	sys, r := startRemote()
	defer r.Shutdown(false)
	defer sys.Shutdown()
	pid := actor.NewPID(p.Addr, "echo")
	if _, err := sys.Root.RequestFuture(pid, &pb.Seq{N: -1}, 10*time.Second).Result(); err != nil {
		return bench.Result{}, err
	}
	var res bench.Result
	lat := make([]time.Duration, p.Requests)
	start := time.Now()
	for i := range int64(p.Requests) {
		t0 := time.Now()
		v, err := sys.Root.RequestFuture(pid, &pb.Seq{N: i}, 10*time.Second).Result()
		if err != nil {
			return bench.Result{}, fmt.Errorf("request %d: %w", i, err)
		}
		lat[i] = time.Since(t0)
		if s, ok := v.(*pb.Seq); !ok || s.N != i {
			res.Disorder++
		}
	}
	res.Elapsed = time.Since(start)
	res.Count = int64(p.Requests)
	res.P50, res.P99 = bench.Percentiles(lat)
	return res, nil
}

// EchoServer: Proto.Actor has no general stream server.
func (Framework) EchoServer(context.Context, func(string)) error {
	return bench.NotApplicable("no stream server")
}
