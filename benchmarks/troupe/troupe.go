// Package troupe runs the comparison's workloads on troupe, written as a
// troupe user would write them: SpawnFunc actors, System.Send from plain
// goroutines, Context.Respond, the default Block mailbox.
package troupe

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/troupe-go/troupe/actor"
	"github.com/troupe-go/troupe/benchmarks/bench"
)

// Framework is troupe, from the repository this module sits in.
type Framework struct{}

func (Framework) Name() string { return "troupe" }

// Version is the repository's commit, from the build's VCS stamp or from
// git, marked when the runtime's packages differ from it.
func (Framework) Version() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		var rev, modified string
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				modified = s.Value
			}
		}
		if len(rev) >= 7 {
			v := "commit " + rev[:7]
			if modified == "true" {
				v += " + local changes"
			}
			return v
		}
	}
	out, err := exec.Command("git", "rev-parse", "--short=7", "HEAD").Output()
	if err != nil {
		return "this repository"
	}
	v := "commit " + strings.TrimSpace(string(out))
	root, err := exec.Command("git", "rev-parse", "--show-toplevel").Output()
	if err == nil {
		dirs := []string{"actor", "mailbox", "supervisor", "remote", "internal"}
		args := []string{"-C", strings.TrimSpace(string(root)), "diff", "--quiet", "HEAD", "--"}
		for _, d := range dirs {
			args = append(args, filepath.Join(strings.TrimSpace(string(root)), d))
		}
		if exec.Command("git", args...).Run() != nil {
			v += " + local changes"
		}
	}
	return v
}

// msg is the one-way message: a small value boxed on every send, as a
// user's message is.
type msg struct {
	from int
	seq  int64
}

// flush asks a receiver to report at once (bench.Sink.Flush).
type flush struct{}

func newSystem() (*actor.System, func()) {
	sys := actor.NewSystem()
	return sys, func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		sys.Shutdown(ctx)
	}
}

// sinkActor feeds a bench.Sink.
func sinkActor(sink *bench.Sink) func(c *actor.Context) {
	return func(c *actor.Context) {
		switch m := c.Message().(type) {
		case msg:
			sink.See(m.from, m.seq)
		case int:
			sink.See(0, int64(m))
		case flush:
			sink.Flush()
		}
	}
}

// send runs senders goroutines, each sending its share of total messages
// with send, and returns the first error once all have returned.
func send(senders, total int, send func(sender int, seq int64) error) error {
	var wg sync.WaitGroup
	errs := make([]error, senders)
	for s := range senders {
		n := bench.Share(total, senders, s)
		wg.Go(func() {
			for i := range n {
				if err := send(s, int64(i)); err != nil {
					errs[s] = fmt.Errorf("sender %d, message %d: %w", s, i, err)
					return
				}
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

func (Framework) OneWay(ctx context.Context, p bench.OneWay) (bench.Result, error) {
	sys, shutdown := newSystem()
	defer shutdown()
	sink := bench.NewSink(p.Senders, int64(p.Messages))
	pid, err := sys.SpawnFunc(sinkActor(sink))
	if err != nil {
		return bench.Result{}, err
	}
	sink.Start()
	serr := send(p.Senders, p.Messages, func(s int, i int64) error {
		if p.Plain {
			return sys.Send(pid, int(i))
		}
		return sys.Send(pid, msg{s, i})
	})
	sys.Send(pid, flush{}) // after every message: only a loss ends the wait here
	if err := sink.Wait(ctx, func() {}); err != nil {
		return bench.Result{}, err
	}
	return sink.Result(), serr
}

type (
	ping  struct{ seq int64 }
	pong  struct{ seq int64 }
	begin struct{}
	// pidPing and pidPong carry their sender's PID, for CarryPID.
	pidPing struct {
		From actor.PID
		seq  int64
	}
	pidPong struct {
		From actor.PID
		seq  int64
	}
)

func (Framework) PingPong(ctx context.Context, p bench.PingPong) (bench.Result, error) {
	sys, shutdown := newSystem()
	defer shutdown()
	sinks := make([]*bench.Sink, p.Pairs)
	pingers := make([]actor.PID, p.Pairs)
	for i := range p.Pairs {
		ponger, err := sys.SpawnFunc(func(c *actor.Context) {
			switch m := c.Message().(type) {
			case ping:
				c.Respond(pong(m))
			case pidPing:
				c.Send(m.From, pidPong{From: c.Self(), seq: m.seq})
			}
		})
		if err != nil {
			return bench.Result{}, err
		}
		sink := bench.NewSink(1, int64(p.Messages))
		sinks[i] = sink
		var sent, got int64
		batch := func(c *actor.Context) {
			for range min(int64(p.Batch), int64(p.Messages)-sent) {
				if p.CarryPID {
					c.Send(ponger, pidPing{From: c.Self(), seq: sent})
				} else {
					c.Send(ponger, ping{sent})
				}
				sent++
			}
		}
		seen := func(c *actor.Context, seq int64) {
			sink.See(0, seq)
			if got++; got == sent {
				batch(c)
			}
		}
		pingers[i], err = sys.SpawnFunc(func(c *actor.Context) {
			switch m := c.Message().(type) {
			case begin:
				batch(c)
			case pong:
				seen(c, m.seq)
			case pidPong:
				seen(c, m.seq)
			case flush:
				sink.Flush()
			}
		})
		if err != nil {
			return bench.Result{}, err
		}
	}
	for i, pid := range pingers {
		sinks[i].Start()
		sys.Send(pid, begin{})
	}
	for i, s := range sinks {
		if err := s.Wait(ctx, func() { sys.Send(pingers[i], flush{}) }); err != nil {
			return bench.Result{}, err
		}
	}
	return bench.Merge(2, sinks...), nil
}

func (Framework) Request(ctx context.Context, p bench.Request) (bench.Result, error) {
	sys, shutdown := newSystem()
	defer shutdown()
	pid, err := sys.SpawnFunc(func(c *actor.Context) {
		if m, ok := c.Message().(msg); ok {
			c.Respond(m.seq)
		}
	})
	if err != nil {
		return bench.Result{}, err
	}
	var r bench.Result
	start := time.Now()
	for i := range int64(p.Requests) {
		v, err := sys.Request(ctx, pid, msg{0, i})
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
	sys, shutdown := newSystem()
	defer shutdown()
	total := p.Senders * p.PerSender
	sink := bench.NewSink(p.Senders, int64(total))
	pid, err := sys.SpawnFunc(sinkActor(sink), actor.WithMailboxSize(p.Capacity))
	if err != nil {
		return bench.Result{}, err
	}
	meter := bench.NewInFlight(p.Senders, sink.Handled)
	sink.Start()
	serr := send(p.Senders, total, func(s int, i int64) error {
		err := sys.Send(pid, msg{s, i})
		meter.Sent(s)
		return err
	})
	sys.Send(pid, flush{})
	werr := sink.Wait(ctx, func() {})
	inFlight := meter.Stop()
	if werr != nil {
		return bench.Result{}, werr
	}
	r := sink.Result()
	r.MaxInFlight = inFlight
	r.Full = bench.FullBehaviour(r, p)
	r.Note = "Send waits for room (the Block policy, the default)"
	return r, serr
}

func (Framework) SpawnStop(ctx context.Context, p bench.Spawn) (bench.Result, error) {
	sys, shutdown := newSystem()
	defer shutdown()
	var started, stopped atomic.Int64
	body := func(c *actor.Context) {
		switch c.Message().(type) {
		case actor.Started:
			started.Add(1)
		case actor.Stopped:
			stopped.Add(1)
		}
	}
	pids := make([]actor.PID, p.Actors)
	start := time.Now()
	for i := range pids {
		pid, err := sys.SpawnFunc(body)
		if err != nil {
			return bench.Result{}, err
		}
		pids[i] = pid
	}
	for _, pid := range pids {
		if err := sys.Stop(pid); err != nil {
			return bench.Result{}, err
		}
	}
	for _, pid := range pids {
		// ErrNotFound: it has stopped and is gone already.
		if _, err := sys.Wait(ctx, pid); err != nil && !errors.Is(err, actor.ErrNotFound) {
			return bench.Result{}, err
		}
	}
	r := bench.Result{Count: int64(p.Actors), Elapsed: time.Since(start)}
	r.Lost = int64(p.Actors) - stopped.Load()
	if n := started.Load(); n != int64(p.Actors) {
		r.Note = fmt.Sprintf("%d of %d actors saw Started", n, p.Actors)
	}
	return r, nil
}

func (Framework) IdleMemory(ctx context.Context, p bench.Spawn) (bench.Result, error) {
	base := bench.InUse()
	sys, shutdown := newSystem()
	defer shutdown()
	handled := bench.NewCountdown(p.Actors)
	body := func(c *actor.Context) {
		if _, ok := c.Message().(msg); ok {
			handled.Done()
		}
	}
	for i := range p.Actors {
		pid, err := sys.SpawnFunc(body, actor.WithName("idle-"+strconv.Itoa(i)))
		if err != nil {
			return bench.Result{}, err
		}
		if err := sys.Send(pid, msg{0, 0}); err != nil {
			return bench.Result{}, err
		}
	}
	if lost := handled.Wait(ctx); lost != 0 {
		return bench.Result{Lost: lost}, fmt.Errorf("%d of %d actors did not get their message", lost, p.Actors)
	}
	bench.Settle()
	used := bench.InUse() - base
	runtime.KeepAlive(sys)
	return bench.Result{Count: int64(p.Actors), BytesPerActor: float64(used) / float64(p.Actors)}, nil
}
