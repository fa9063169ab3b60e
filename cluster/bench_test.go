package cluster

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"testing"
	"time"
	"weak"

	"github.com/troupe-go/troupe/actor"
)

// benchPair starts two members and returns them with an identity that the
// second owns.
func benchPair(b *testing.B) (a, z *member, id ID) {
	ms := startCluster(b, 2, nil)
	a, z = ms[0], ms[1]
	for i := 0; ; i++ {
		if id = echoID(i); a.c.view.current().ownerOf(id) == z.c.Addr() {
			return a, z, id
		}
	}
}

// BenchmarkRequestWarm compares a request to a warm identity on another
// member with a direct remote request to the same activation's PID, side
// by side: the cluster's cost is finding the cached PID.
func BenchmarkRequestWarm(b *testing.B) {
	a, _, id := benchPair(b)
	ctx := context.Background()
	pid, err := a.c.Get(ctx, id)
	if err != nil {
		b.Fatal(err)
	}
	for range 2000 { // warm both paths, and let the join's gossip settle
		a.c.Request(ctx, id, "x")
		a.sys.Request(ctx, pid, "x")
	}
	b.Run("identity", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := a.c.Request(ctx, id, "x"); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("pid", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := a.sys.Request(ctx, pid, "x"); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkRequestFirst measures the first request to a new identity on
// another member (a remote spawn, then the request), beside a warm remote
// request. "settled" is a cluster whose members last changed over
// handoffWindow ago; "after-change" pays one more round trip, to the
// previous owner (see release).
func BenchmarkRequestFirst(b *testing.B) {
	a, z, _ := benchPair(b)
	ctx := context.Background()
	next := 0
	fresh := func() ID {
		for {
			next++
			id := ID{Kind: "echo", Name: fmt.Sprint("first-", next)}
			if a.c.view.current().ownerOf(id) == z.c.Addr() {
				return id
			}
		}
	}
	run := func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := a.c.Request(ctx, fresh(), "x"); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.Run("after-change", run)
	for _, m := range []*member{a, z} {
		m.c.view.settle()
	}
	b.Run("settled", run)
	warm := fresh()
	b.Run("warm", func(b *testing.B) {
		for b.Loop() {
			if _, err := a.c.Request(ctx, warm, "x"); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkConverge10 starts ten members on loopback, each joining the
// first, and measures the time until every one sees ten alive.
func BenchmarkConverge10(b *testing.B) {
	for b.Loop() {
		ms := []*member{startMember(b, nil, Config{})}
		for range 9 {
			ms = append(ms, startMember(b, nil, Config{}, ms[0].c.GossipAddr()))
		}
		waitAlive(b, ms, 10)
		b.StopTimer()
		for _, m := range ms {
			m.close()
		}
		b.StartTimer()
	}
}

// BenchmarkIdleGrainMemory activates 100,000 grains over three members and
// reports the heap and stack bytes each costs, everything the members hold
// for it included (the sender's cache entry too), beside as many plain
// idle actors spawned in one System.
func BenchmarkIdleGrainMemory(b *testing.B) {
	const n = 100_000
	// As actor's BenchmarkIdleActor measures: live heap and stacks after
	// GC, so that both sides count what they hold, not how full their
	// spans happen to be. Everything the three members hold counts.
	measure := func(b *testing.B, fill func()) {
		var before, after runtime.MemStats
		awaitFreed(b)
		settledHeap(&before)
		fill()
		runtime.GC()
		runtime.GC()
		runtime.ReadMemStats(&after)
		used := (after.HeapAlloc + after.StackInuse) - (before.HeapAlloc + before.StackInuse)
		b.ReportMetric(float64(used)/n, "B/grain")
	}
	b.Run("grains", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			ms := startCluster(b, 3, nil)
			// The connections between the members, and the first
			// confirmation of each, are the cluster's, not a grain's: made
			// before the measure, with one grain on each member.
			ctx := context.Background()
			for _, m := range ms {
				for i := n; ; i++ {
					if id := echoID(i); ms[0].c.view.current().ownerOf(id) == m.c.Addr() {
						if _, err := ms[0].c.Get(ctx, id); err != nil {
							b.Fatal(err)
						}
						break
					}
				}
			}
			b.StartTimer()
			measure(b, func() {
				ctx := context.Background()
				for i := range n {
					id := echoID(i)
					if _, err := ms[0].c.Get(ctx, id); err != nil { // activates on the owner
						b.Fatal(err)
					}
				}
			})
			b.StopTimer()
			for _, m := range ms {
				m.close()
				closed = append(closed, weak.Make(m.sys))
			}
			b.StartTimer()
		}
	})
	b.Run("actors", func(b *testing.B) {
		for b.Loop() {
			sys := actor.NewSystem()
			measure(b, func() {
				for i := range n {
					if _, err := sys.Spawn(func() actor.Actor { return &echo{} }, actor.WithName(fmt.Sprint("a-", i))); err != nil {
						b.Fatal(err)
					}
				}
			})
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			sys.Shutdown(ctx)
			cancel()
		}
	})
	// Not the target's measure, but what tells a grain's own cost from
	// its setting: plain actors with the grains' names, spread over three
	// Systems as the grains are (three registries a third as full, names
	// longer than "a-N").
	b.Run("actors-spread", func(b *testing.B) {
		for b.Loop() {
			systems := []*actor.System{actor.NewSystem(), actor.NewSystem(), actor.NewSystem()}
			measure(b, func() {
				for i := range n {
					if _, err := systems[i%3].Spawn(func() actor.Actor { return &echo{} }, actor.WithName(actorName(echoID(i)))); err != nil {
						b.Fatal(err)
					}
				}
			})
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			for _, sys := range systems {
				sys.Shutdown(ctx)
			}
			cancel()
		}
	})
}

// closed holds the Systems of the members a run of BenchmarkIdleGrainMemory
// closed, until they are freed.
var closed []weak.Pointer[actor.System]

// awaitFreed waits, for at most ten seconds, until the Systems of the
// members closed before are freed. They outlive their members for a
// while, reachable from timers and goroutines that memberlist and the
// node end late, and what a run frees during the next one's measurement
// would make that look smaller than it is: by up to 60 bytes a grain.
func awaitFreed(b *testing.B) {
	deadline := time.Now().Add(10 * time.Second)
	for len(closed) > 0 {
		runtime.GC()
		closed = slices.DeleteFunc(closed, func(w weak.Pointer[actor.System]) bool { return w.Value() == nil })
		if len(closed) == 0 {
			return
		}
		if time.Now().After(deadline) {
			b.Logf("%d closed members' Systems not freed after 10 s", len(closed))
			closed = nil
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// settledHeap reads the memory statistics once the heap has stopped
// shrinking: what the previous run left (a closed member's goroutines,
// a stopped System) would otherwise be freed during the next measurement
// and make it look smaller than it is.
func settledHeap(ms *runtime.MemStats) {
	runtime.GC()
	runtime.ReadMemStats(ms)
	for range 50 {
		time.Sleep(20 * time.Millisecond)
		prev := ms.HeapAlloc + ms.StackInuse
		runtime.GC()
		runtime.ReadMemStats(ms)
		if ms.HeapAlloc+ms.StackInuse+64<<10 > prev {
			return // within 64 KiB of the last reading: settled
		}
	}
}

// BenchmarkRequestWarmPaired makes, in each iteration, one request to a
// warm identity and one direct remote request to its PID, one after the
// other, and reports the mean of each and their ratio: on a noisy machine
// the pair sees the same noise, which runs made one after the other do not.
func BenchmarkRequestWarmPaired(b *testing.B) {
	a, _, id := benchPair(b)
	ctx := context.Background()
	pid, err := a.c.Get(ctx, id)
	if err != nil {
		b.Fatal(err)
	}
	for range 2000 {
		a.c.Request(ctx, id, "x")
		a.sys.Request(ctx, pid, "x")
	}
	var viaID, direct time.Duration
	n := 0
	for b.Loop() {
		t0 := time.Now()
		if _, err := a.c.Request(ctx, id, "x"); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		if _, err := a.sys.Request(ctx, pid, "x"); err != nil {
			b.Fatal(err)
		}
		direct += time.Since(t1)
		viaID += t1.Sub(t0)
		n++
	}
	b.ReportMetric(float64(viaID.Nanoseconds())/float64(n), "identity-ns/req")
	b.ReportMetric(float64(direct.Nanoseconds())/float64(n), "pid-ns/req")
	b.ReportMetric(float64(viaID)/float64(direct), "ratio")
}
