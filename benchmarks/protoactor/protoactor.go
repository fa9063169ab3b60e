package protoactor

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/troupe-go/troupe/benchmarks/bench"
)

const module = "github.com/asynkron/protoactor-go"

// Framework is Proto.Actor.
type Framework struct{}

func (Framework) Name() string { return "protoactor" }

// Version is the module version this binary was built with.
func (Framework) Version() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			if d.Path == module {
				return shortVersion(d.Version)
			}
		}
	}
	return "unknown"
}

// newSystem makes an actor system that logs warnings and errors only: its
// default logger prints every remote start at Info on the terminal.
func newSystem() *actor.ActorSystem {
	return actor.NewActorSystem(actor.WithLoggerFactory(func(sys *actor.ActorSystem) *slog.Logger {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})).
			With("lib", "Proto.Actor")
	}))
}

// msg is the one-way message, a pointer to a small struct, as Proto.Actor's
// local examples send.
type msg struct {
	from int
	seq  int64
}

type flush struct{}

func sinkProps(sink *bench.Sink, opts ...actor.PropsOption) *actor.Props {
	return actor.PropsFromFunc(func(ctx actor.Context) {
		switch m := ctx.Message().(type) {
		case *msg:
			sink.See(m.from, m.seq)
		case int:
			sink.See(0, int64(m))
		case *flush:
			sink.Flush()
		}
	}, opts...)
}

// send runs senders goroutines, each sending its share of total messages.
func send(senders, total int, send func(sender int, seq int64)) {
	var wg sync.WaitGroup
	for s := range senders {
		n := bench.Share(total, senders, s)
		wg.Go(func() {
			for i := range n {
				send(s, int64(i))
			}
		})
	}
	wg.Wait()
}

func (Framework) OneWay(ctx context.Context, p bench.OneWay) (bench.Result, error) {
	sys := newSystem()
	defer sys.Shutdown()
	sink := bench.NewSink(p.Senders, int64(p.Messages))
	pid := sys.Root.Spawn(sinkProps(sink))
	sink.Start()
	send(p.Senders, p.Messages, func(s int, i int64) {
		if p.Plain {
			sys.Root.Send(pid, int(i))
			return
		}
		sys.Root.Send(pid, &msg{s, i})
	})
	sys.Root.Send(pid, &flush{}) // after every message: only a loss ends the wait here
	if err := sink.Wait(ctx, func() {}); err != nil {
		return bench.Result{}, err
	}
	r := sink.Result()
	r.Note = "unbounded mailbox (the default)"
	return r, nil
}

type (
	ping  struct{ seq int64 }
	pong  struct{ seq int64 }
	begin struct{}
	// pidPing and pidPong carry their sender's PID, for CarryPID.
	pidPing struct {
		From *actor.PID
		seq  int64
	}
	pidPong struct {
		From *actor.PID
		seq  int64
	}
)

func (Framework) PingPong(ctx context.Context, p bench.PingPong) (bench.Result, error) {
	sys := newSystem()
	defer sys.Shutdown()
	ponger := actor.PropsFromFunc(func(c actor.Context) {
		switch m := c.Message().(type) {
		case *ping:
			c.Respond(&pong{m.seq})
		case *pidPing:
			c.Send(m.From, &pidPong{From: c.Self(), seq: m.seq})
		}
	})
	sinks := make([]*bench.Sink, p.Pairs)
	pingers := make([]*actor.PID, p.Pairs)
	for i := range p.Pairs {
		to := sys.Root.Spawn(ponger)
		sink := bench.NewSink(1, int64(p.Messages))
		sinks[i] = sink
		var sent, got int64
		batch := func(c actor.Context) {
			for range min(int64(p.Batch), int64(p.Messages)-sent) {
				if p.CarryPID {
					c.Send(to, &pidPing{From: c.Self(), seq: sent})
				} else {
					c.Request(to, &ping{sent})
				}
				sent++
			}
		}
		seen := func(c actor.Context, seq int64) {
			sink.See(0, seq)
			if got++; got == sent {
				batch(c)
			}
		}
		pingers[i] = sys.Root.Spawn(actor.PropsFromFunc(func(c actor.Context) {
			switch m := c.Message().(type) {
			case *begin:
				batch(c)
			case *pong:
				seen(c, m.seq)
			case *pidPong:
				seen(c, m.seq)
			case *flush:
				sink.Flush()
			}
		}))
	}
	for i, pid := range pingers {
		sinks[i].Start()
		sys.Root.Send(pid, &begin{})
	}
	for i, s := range sinks {
		if err := s.Wait(ctx, func() { sys.Root.Send(pingers[i], &flush{}) }); err != nil {
			return bench.Result{}, err
		}
	}
	return bench.Merge(2, sinks...), nil
}

func (Framework) Request(ctx context.Context, p bench.Request) (bench.Result, error) {
	sys := newSystem()
	defer sys.Shutdown()
	pid := sys.Root.Spawn(actor.PropsFromFunc(func(c actor.Context) {
		if m, ok := c.Message().(*msg); ok {
			c.Respond(m.seq)
		}
	}))
	var r bench.Result
	start := time.Now()
	for i := range int64(p.Requests) {
		v, err := sys.Root.RequestFuture(pid, &msg{0, i}, 10*time.Second).Result()
		if err != nil {
			return bench.Result{}, fmt.Errorf("request %d: %w", i, err)
		}
		if v != i {
			r.Disorder++
		}
	}
	r.Elapsed = time.Since(start)
	r.Count = int64(p.Requests)
	return r, nil
}

func (Framework) Bounded(ctx context.Context, p bench.Bounded) (bench.Result, error) {
	sys := newSystem()
	defer sys.Shutdown()
	total := p.Senders * p.PerSender
	sink := bench.NewSink(p.Senders, int64(total))
	pid := sys.Root.Spawn(sinkProps(sink, actor.WithMailbox(actor.Bounded(p.Capacity))))
	meter := bench.NewInFlight(p.Senders, sink.Handled)
	sink.Start()
	send(p.Senders, total, func(s int, i int64) {
		sys.Root.Send(pid, &msg{s, i})
		meter.Sent(s)
	})
	sys.Root.Send(pid, &flush{})
	werr := sink.Wait(ctx, func() {})
	inFlight := meter.Stop()
	if werr != nil {
		return bench.Result{}, werr
	}
	r := sink.Result()
	r.MaxInFlight = inFlight
	r.Full = bench.FullBehaviour(r, p)
	r.Note = "actor.Bounded: a ring buffer (rounded up to a power of two) whose Put yields in a loop until there is room"
	return r, nil
}

func (Framework) SpawnStop(ctx context.Context, p bench.Spawn) (bench.Result, error) {
	sys := newSystem()
	defer sys.Shutdown()
	var started, stopped atomic.Int64
	props := actor.PropsFromFunc(func(c actor.Context) {
		switch c.Message().(type) {
		case *actor.Started:
			started.Add(1)
		case *actor.Stopped:
			stopped.Add(1)
		}
	})
	pids := make([]*actor.PID, p.Actors)
	futures := make([]*actor.Future, p.Actors)
	start := time.Now()
	for i := range pids {
		pids[i] = sys.Root.Spawn(props)
	}
	for i, pid := range pids {
		futures[i] = sys.Root.StopFuture(pid)
	}
	var errs []error
	for _, f := range futures {
		if err := f.Wait(); err != nil {
			errs = append(errs, err)
		}
	}
	r := bench.Result{Count: int64(p.Actors), Elapsed: time.Since(start)}
	r.Lost = int64(p.Actors) - stopped.Load()
	if n := started.Load(); n != int64(p.Actors) {
		r.Note = fmt.Sprintf("%d of %d actors saw Started", n, p.Actors)
	}
	if len(errs) > 0 {
		return r, fmt.Errorf("%d stops not confirmed: %w", len(errs), errors.Join(errs[:1]...))
	}
	return r, nil
}

func (Framework) IdleMemory(ctx context.Context, p bench.Spawn) (bench.Result, error) {
	base := bench.InUse()
	sys := newSystem()
	defer sys.Shutdown()
	handled := bench.NewCountdown(p.Actors)
	props := actor.PropsFromFunc(func(c actor.Context) {
		if _, ok := c.Message().(*msg); ok {
			handled.Done()
		}
	})
	for i := range p.Actors {
		pid, err := sys.Root.SpawnNamed(props, "idle-"+strconv.Itoa(i))
		if err != nil {
			return bench.Result{}, err
		}
		sys.Root.Send(pid, &msg{0, 0})
	}
	if lost := handled.Wait(ctx); lost != 0 {
		return bench.Result{Lost: lost}, fmt.Errorf("%d of %d actors did not get their message", lost, p.Actors)
	}
	bench.Settle()
	used := bench.InUse() - base
	runtime.KeepAlive(sys)
	return bench.Result{Count: int64(p.Actors), BytesPerActor: float64(used) / float64(p.Actors)}, nil
}

// shortVersion is the date and commit of a pseudo-version.
func shortVersion(v string) string {
	parts := strings.Split(v, "-")
	if len(parts) == 3 && len(parts[1]) == 14 {
		d := parts[1]
		return fmt.Sprintf("%s (commit %s of %s-%s-%s)", v, parts[2], d[:4], d[4:6], d[6:8])
	}
	return v
}
