package actor_test

import (
	"context"
	"log/slog"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/troupe-go/troupe/actor"
	"github.com/troupe-go/troupe/supervisor"
)

// tick is the message of the throughput benchmarks: a small value, boxed on
// every send as a user's message would be.
type tick struct{ n int }

// counter counts ticks (or bare ints) and closes done at want.
func counter(want int, done chan<- struct{}) func(c *actor.Context) {
	seen := 0
	return func(c *actor.Context) {
		switch c.Message().(type) {
		case tick, int:
			seen++
			if seen == want {
				close(done)
			}
		}
	}
}

func newBenchSystem(b *testing.B) *actor.System {
	sys := actor.NewSystem()
	b.Cleanup(func() { sys.Shutdown(context.Background()) })
	return sys
}

// benchOneWay runs senders goroutines, each sending its share of b.N ticks
// to one of receivers actors, and waits until every tick is handled.
func benchOneWay(b *testing.B, senders, receivers int) {
	benchOneWayMsg(b, senders, receivers, func(i int) any { return tick{i} })
}

// shared is sent by BenchmarkSend1To1Shared: one message value, boxed once,
// as the peers' pair benchmarks send it. It measures the runtime alone, with
// no allocation by the sender.
var shared any = tick{1}

func benchOneWayMsg(b *testing.B, senders, receivers int, msg func(i int) any, opts ...actor.SystemOption) {
	sys := actor.NewSystem(opts...)
	b.Cleanup(func() { sys.Shutdown(context.Background()) })
	pids := make([]actor.PID, receivers)
	dones := make([]chan struct{}, receivers)
	per := make([]int, receivers)
	for s := range senders {
		per[s%receivers] += b.N / senders
	}
	per[0] += b.N % senders
	for i := range receivers {
		dones[i] = make(chan struct{})
		if per[i] == 0 {
			close(dones[i])
			continue
		}
		pid, err := sys.SpawnFunc(counter(per[i], dones[i]))
		if err != nil {
			b.Fatal(err)
		}
		pids[i] = pid
	}
	b.ReportAllocs()
	cpu := startCPU(b)
	var wg sync.WaitGroup
	for s := range senders {
		n := b.N / senders
		if s == 0 {
			n += b.N % senders
		}
		pid := pids[s%receivers]
		wg.Go(func() {
			for i := range n {
				if err := sys.Send(pid, msg(i)); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	for _, d := range dones {
		<-d
	}
	cpu.stop()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msg/s")
}

// cpuMeter reports the CPU time the process spent per op (user and
// system, all threads): on a machine that other work loads, it moves less
// than the time per op, which waits for the processor too.
type cpuMeter struct {
	b     *testing.B
	start time.Duration
}

func startCPU(b *testing.B) cpuMeter {
	b.ResetTimer()
	return cpuMeter{b, processCPU()}
}

func (m cpuMeter) stop() {
	m.b.StopTimer()
	m.b.ReportMetric(float64(processCPU()-m.start)/float64(m.b.N), "cpu-ns/op")
}

func BenchmarkSend1To1(b *testing.B) { benchOneWay(b, 1, 1) }
func BenchmarkSend1To1Shared(b *testing.B) {
	benchOneWayMsg(b, 1, 1, func(int) any { return shared })
}
func BenchmarkSend2To2(b *testing.B) { benchOneWay(b, 2, 2) }

// BenchmarkSendPlain sends bare ints, sys.Send(pid, i), from one goroutine:
// the first program a user writes.
func BenchmarkSendPlain(b *testing.B) {
	benchOneWayMsg(b, 1, 1, func(i int) any { return i })
}

// BenchmarkSend1To1Observed is Send1To1 with an Observer that does nothing:
// the price of observation itself, one call and two clock readings a batch.
func BenchmarkSend1To1Observed(b *testing.B) {
	benchOneWayMsg(b, 1, 1, func(i int) any { return tick{i} }, actor.WithObserver(actor.NopObserver{}))
}
func BenchmarkSend100To1(b *testing.B) { benchOneWay(b, 100, 1) }

func BenchmarkRequest(b *testing.B) {
	sys := newBenchSystem(b)
	pid, err := sys.SpawnFunc(func(c *actor.Context) {
		if m, ok := c.Message().(tick); ok {
			c.Respond(m.n)
		}
	})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		if _, err := sys.Request(ctx, pid, tick{i}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSpawnStop spawns and stops b.N actors and waits until all have
// stopped.
func BenchmarkSpawnStop(b *testing.B) {
	sys := newBenchSystem(b)
	var wg sync.WaitGroup
	wg.Add(b.N)
	stopped := func(c *actor.Context) {
		if _, ok := c.Message().(actor.Stopped); ok {
			wg.Done()
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		pid, err := sys.SpawnFunc(stopped)
		if err != nil {
			b.Fatal(err)
		}
		sys.Stop(pid)
	}
	wg.Wait()
}

// BenchmarkSpawnMany has every actor alive at once, as the peers' spawn
// benchmarks do: a new System spawns b.N named actors, then stops them all
// and waits for each. One op is one actor's spawn, stop and wait.
func BenchmarkSpawnMany(b *testing.B) {
	sys := newBenchSystem(b)
	pids := make([]actor.PID, b.N)
	idle := func(*actor.Context) {}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		pid, err := sys.SpawnFunc(idle, actor.WithName("a"+strconv.Itoa(i)))
		if err != nil {
			b.Fatal(err)
		}
		pids[i] = pid
	}
	for _, pid := range pids {
		sys.Stop(pid)
	}
	ctx := context.Background()
	for _, pid := range pids {
		sys.Wait(ctx, pid) // ErrNotFound once gone: stopped either way
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "actors/s")
}

// BenchmarkIdleActor reports the memory an idle actor holds, heap and stack,
// after it has handled one message and stayed idle for a while.
func BenchmarkIdleActor(b *testing.B) {
	sys := newBenchSystem(b)
	var wg sync.WaitGroup
	handled := func(c *actor.Context) {
		if _, ok := c.Message().(tick); ok {
			wg.Done()
		}
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	b.ResetTimer()
	wg.Add(b.N)
	for i := range b.N {
		pid, err := sys.SpawnFunc(handled)
		if err != nil {
			b.Fatal(err)
		}
		sys.Send(pid, tick{i})
	}
	wg.Wait()
	b.StopTimer()
	time.Sleep(20 * time.Millisecond) // idle: past the storage release
	runtime.GC()
	runtime.ReadMemStats(&after)
	used := (after.HeapAlloc + after.StackInuse) - (before.HeapAlloc + before.StackInuse)
	b.ReportMetric(float64(used)/float64(b.N), "B/actor")
}

// boomer panics on "boom" and answers anything else.
func boomer(c *actor.Context) {
	switch c.Message() {
	case "boom":
		panic("boom")
	case "ping":
		c.Respond("pong")
	}
}

// BenchmarkRestart measures one failure and recovery of a top-level actor:
// a message that panics, the guardian's decision, Restarting, a new
// instance, Started, and a Request answered by that instance. Subtract
// BenchmarkRequest for the restart alone.
func BenchmarkRestart(b *testing.B) {
	sys := actor.NewSystem(actor.WithLogger(slog.New(slog.DiscardHandler)),
		actor.WithGuardian(supervisor.OneForOne(supervisor.WithBackoff(0, 0),
			supervisor.WithMaxRestarts(1<<30, time.Hour))))
	b.Cleanup(func() { sys.Shutdown(context.Background()) })
	pid, _ := sys.SpawnFunc(boomer)
	benchRestarts(b, sys, pid)
}

// BenchmarkRestartChild is BenchmarkRestart for a child, whose parent
// decides on its own goroutine: two more hops through system lanes.
func BenchmarkRestartChild(b *testing.B) {
	sys := actor.NewSystem(actor.WithLogger(slog.New(slog.DiscardHandler)))
	b.Cleanup(func() { sys.Shutdown(context.Background()) })
	strategy := supervisor.OneForOne(supervisor.WithBackoff(0, 0), supervisor.WithMaxRestarts(1<<30, time.Hour))
	ready := make(chan actor.PID)
	sys.SpawnFunc(func(c *actor.Context) {
		if _, ok := c.Message().(actor.Started); ok {
			child, _ := c.SpawnFunc(boomer)
			ready <- child
		}
	}, actor.WithSupervisor(strategy))
	pid := <-ready
	benchRestarts(b, sys, pid)
}

// benchRestarts makes the boomer pid fail b.N times, each time waiting until
// its new instance has answered a Request.
func benchRestarts(b *testing.B, sys *actor.System, pid actor.PID) {
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		sys.Send(pid, "boom")
		if _, err := sys.Request(ctx, pid, "ping"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkTimerTick: one tick of a periodic timer, from the runtime timer
// to Receive. A tick reuses its timer's mailbox entry, so it allocates
// nothing; the time per tick is the runtime timer's resolution, not ours.
func BenchmarkTimerTick(b *testing.B) {
	sys := actor.NewSystem()
	defer sys.Shutdown(context.Background())
	done := make(chan struct{})
	n := 0
	b.ReportAllocs()
	b.ResetTimer()
	sys.SpawnFunc(func(c *actor.Context) {
		switch c.Message().(type) {
		case actor.Started:
			c.SendEvery(time.Microsecond, tick{})
		case tick:
			if n++; n == b.N {
				close(done)
			}
		}
	})
	<-done
}
