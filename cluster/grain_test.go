package cluster

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/troupe-go/troupe/actor"
	"github.com/troupe-go/troupe/internal/testkit"
	"github.com/troupe-go/troupe/remote"
	"github.com/troupe-go/troupe/supervisor"
)

// TestPassivation: a grain idle for two sweeps stops (its Stopping runs),
// one that handled a message in between does not, and the next request
// activates it again.
func TestPassivation(t *testing.T) {
	life := newLifeLog()
	m := startMember(t, life, Config{IdleAfter: -1}) // no sweeper: the test sweeps
	ctx := ctxFor(t, 5*time.Second)
	busy, idle := echoID(1), echoID(2)
	r1, err := m.c.Request(ctx, idle, "x")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.c.Request(ctx, busy, "x"); err != nil {
		t.Fatal(err)
	}
	idlePID, _ := m.c.Get(ctx, idle)
	busyPID, _ := m.c.Get(ctx, busy)
	m.c.passivateIdle() // records what each has handled
	m.c.passivateIdle() // first idle sweep
	if _, err := m.c.Request(ctx, busy, "y"); err != nil {
		t.Fatal(err)
	}
	m.c.passivateIdle() // second idle sweep for idle only
	if _, err := m.sys.Wait(ctx, idlePID); err != nil && !errors.Is(err, actor.ErrNotFound) {
		t.Fatal(err)
	}
	if life.copies(idle) != 0 {
		t.Fatal("the idle grain's Stopping did not run")
	}
	if life.copies(busy) != 1 {
		t.Fatal("the busy grain passivated")
	}
	if got := m.c.Stats().Kinds["echo"].Passivations; got != 1 {
		t.Fatalf("passivations = %d, want 1", got)
	}
	r2, err := m.c.Request(ctx, idle, "x")
	if err != nil {
		t.Fatal(err)
	}
	if r1.(echoReply).Token == r2.(echoReply).Token {
		t.Fatal("the passivated grain answered")
	}
	_ = busyPID
}

// TestJoinHandsOff: when a member joins, the identities it now owns stop
// on the old owner (their Stopping runs) before they start on the new one,
// and the others stay where they were.
func TestJoinHandsOff(t *testing.T) {
	life := newLifeLog()
	a := startMember(t, life, Config{})
	ctx := ctxFor(t, 20*time.Second)
	const n = 200
	before := make([]echoReply, n)
	for i := range n {
		r, err := a.c.Request(ctx, echoID(i), "x")
		if err != nil {
			t.Fatal(err)
		}
		before[i] = r.(echoReply)
	}
	b := startMember(t, life, Config{}, a.c.GossipAddr())
	waitAlive(t, []*member{a, b}, 2)
	moved := 0
	for i := range n {
		r, err := a.c.Request(ctx, echoID(i), "y")
		if err != nil {
			t.Fatal(err)
		}
		got := r.(echoReply)
		if owner := b.c.view.current().ownerOf(echoID(i)); owner == b.c.Addr() {
			moved++
			if got.Node != b.c.Addr() {
				t.Fatalf("%v answered from %s, owner is b", echoID(i), got.Node)
			}
		} else if got.Token != before[i].Token {
			t.Fatalf("%v moved though a still owns it", echoID(i))
		}
	}
	if d := life.duplicates(); d != 0 {
		t.Fatalf("%d activations started while another copy was alive", d)
	}
	st := a.c.Stats().Kinds["echo"]
	t.Logf("b took %d of %d identities; a handed off %d", moved, n, st.Handoffs)
	if moved == 0 || st.Handoffs != uint64(moved) {
		t.Fatalf("moved %d, a counted %d handoffs", moved, st.Handoffs)
	}
}

// TestLocalSendsAcrossStops: grains stopped over and over while four
// local senders drive them lose nothing and make no dead letter: a local
// send is refused (and retried) before it is sent once the grain stops,
// and the grain is poisoned after the sends already made.
func TestLocalSendsAcrossStops(t *testing.T) {
	l := newLedger()
	m := startMember(t, nil, Config{IdleAfter: -1,
		Kinds: map[string]actor.Producer{"count": func() actor.Actor { return &counter{l: l} }}})
	ctx := ctxFor(t, 30*time.Second)
	const senders, per = 4, 2000
	ids := []ID{{"count", "a"}, {"count", "b"}}
	done := make(chan struct{})
	var wg sync.WaitGroup
	for s := range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for seq := range per {
				if err := m.c.Send(ctx, ids[seq%2], tick{s, seq}); err != nil {
					t.Errorf("send: %v", err)
					return
				}
			}
		}()
	}
	go func() { wg.Wait(); close(done) }()
	stops := 0
	for running := true; running; {
		select {
		case <-done:
			running = false
		default:
			for _, id := range ids {
				if g := m.c.localGrain(id); g != nil && g.stop(m.sys, stopIdle) {
					stops++
				}
			}
			runtime.Gosched()
		}
	}
	// Every tick reaches a grain: wait for the last ones.
	for {
		l.mu.Lock()
		n := len(l.delivered)
		l.mu.Unlock()
		if n == senders*per {
			break
		}
		select {
		case <-l.changed:
		case <-ctx.Done():
			t.Fatalf("%d of %d delivered; dead letters: %d", n, senders*per, len(m.deadLetters()))
		}
	}
	for k, n := range l.delivered {
		if n != 1 {
			t.Fatalf("%+v delivered %d times", k, n)
		}
	}
	if d := m.deadLetters(); len(d) != 0 {
		t.Fatalf("%d dead letters, the first %v", len(d), d[0])
	}
	t.Logf("%d ticks delivered once across %d stops, %d retries", senders*per, stops, m.c.Stats().Kinds["count"].Retries)
	if stops < 2 {
		t.Fatalf("only %d stops: the test proves nothing", stops)
	}
}

// TestIdleAfter: the member's own sweeper passivates a grain left idle.
func TestIdleAfter(t *testing.T) {
	life := newLifeLog()
	m := startMember(t, life, Config{IdleAfter: 20 * time.Millisecond})
	ctx := ctxFor(t, 10*time.Second)
	if _, err := m.c.Request(ctx, echoID(1), "x"); err != nil {
		t.Fatal(err)
	}
	pid, err := m.c.Get(ctx, echoID(1))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.sys.Wait(ctx, pid); err != nil && !errors.Is(err, actor.ErrNotFound) {
		t.Fatal(err)
	}
	if got := m.c.Stats().Kinds["echo"].Passivations; got == 0 {
		t.Fatalf("no passivation counted")
	}
}

// crasher is a grain that panics on "boom" and answers anything else with
// how many messages this instance has handled.
type crasher struct{ n int }

func (c *crasher) Receive(ctx *actor.Context) {
	switch m := ctx.Message().(type) {
	case string:
		if m == "boom" {
			panic("boom")
		}
		c.n++
		ctx.Respond(c.n)
	}
}

// TestGrainRestartKeepsItsEntry: a grain whose actor panics is restarted
// by the runtime as any actor is, and stays the same activation: one entry
// in the table, counted once, gated, passivated and counted as such when
// it stops. Both a grain spawned by a local sender and one spawned from
// another member.
func TestGrainRestartKeepsItsEntry(t *testing.T) {
	kinds := map[string]actor.Producer{"crash": func() actor.Actor { return &crasher{} }}
	a := startMember(t, nil, Config{IdleAfter: -1, Kinds: kinds})
	b := startMember(t, nil, Config{IdleAfter: -1, Kinds: kinds}, a.c.GossipAddr())
	waitAlive(t, []*member{a, b}, 2)
	ctx := ctxFor(t, 10*time.Second)
	var local, fromB ID // both owned by a: one made by a's own send, one by b's
	for i := 0; local.Name == "" || fromB.Name == ""; i++ {
		id := ID{Kind: "crash", Name: fmt.Sprint("c-", i)}
		if a.c.view.current().ownerOf(id) != a.c.Addr() {
			continue
		}
		if local.Name == "" {
			local = id
		} else {
			fromB = id
		}
	}
	for _, tc := range []struct {
		id     ID
		sender *member
	}{{local, a}, {fromB, b}} {
		if v, err := tc.sender.c.Request(ctx, tc.id, "x"); err != nil || v != 1 {
			t.Fatalf("%v: first request: %v %v", tc.id, v, err)
		}
		if err := tc.sender.c.Send(ctx, tc.id, "boom"); err != nil {
			t.Fatal(err)
		}
		if v, err := tc.sender.c.Request(ctx, tc.id, "x"); err != nil || v != 1 {
			t.Fatalf("%v: after the panic: %v %v, want 1 from a new instance", tc.id, v, err)
		}
	}
	st := a.c.Stats()
	if k := st.Kinds["crash"]; k.Activations != 2 || st.Active != 2 {
		t.Fatalf("after two restarts: %d activations counted, %d active; want 2 and 2", k.Activations, st.Active)
	}
	for _, id := range []ID{local, fromB} {
		if g := a.c.localGrain(id); g == nil || g.ending() {
			t.Fatalf("%v: not in the table, or ending, after its restart", id)
		}
	}
	// The user's actor is the grain's actor, labelled by its kind however
	// it was spawned: no wrapper type stands in the metrics.
	if snap := a.sys.Snapshot(); snap.Kind("crash").Alive != 2 {
		t.Fatalf("live actors by kind %+v, want both grains as crash", snap.Kinds)
	}
	for range 3 {
		a.c.passivateIdle()
	}
	for _, id := range []ID{local, fromB} {
		if _, err := a.sys.Wait(ctx, actor.PID{ID: actorName(id)}); err != nil && !errors.Is(err, actor.ErrNotFound) {
			t.Fatal(err)
		}
	}
	st = a.c.Stats()
	if k := st.Kinds["crash"]; k.Passivations != 2 || st.Active != 0 {
		t.Fatalf("after passivating both: %d passivations, %d active; want 2 and 0", k.Passivations, st.Active)
	}
}

// flaky makes crashers, or nothing while its refuse is set.
type flaky struct {
	refuse atomic.Bool
	calls  atomic.Int64
}

func (f *flaky) produce() actor.Actor {
	f.calls.Add(1)
	if f.refuse.Load() {
		return nil
	}
	return &crasher{}
}

// TestGrainRestartWithoutActor: a grain whose restart's producer gives no
// actor ends there: the runtime stops its process and delivers Stopped to
// no one, so the grain leaves the table on the process's stop, its gate
// closed, and the next message activates the identity again. Both a grain
// spawned by a local sender and one spawned from another member.
func TestGrainRestartWithoutActor(t *testing.T) {
	var fa flaky
	a := startMember(t, nil, Config{IdleAfter: -1, Kinds: map[string]actor.Producer{"crash": fa.produce}})
	b := startMember(t, nil, Config{IdleAfter: -1, Kinds: map[string]actor.Producer{"crash": func() actor.Actor { return &crasher{} }}}, a.c.GossipAddr())
	waitAlive(t, []*member{a, b}, 2)
	ctx := ctxFor(t, 10*time.Second)
	var ids []ID // owned by a: the first made by a's own send, the second by b's
	for i := 0; len(ids) < 2; i++ {
		if id := (ID{Kind: "crash", Name: fmt.Sprint("c-", i)}); a.c.view.current().ownerOf(id) == a.c.Addr() {
			ids = append(ids, id)
		}
	}
	for n, tc := range []struct {
		id     ID
		sender *member
	}{{ids[0], a}, {ids[1], b}} {
		if v, err := tc.sender.c.Request(ctx, tc.id, "x"); err != nil || v != 1 {
			t.Fatalf("%v: first request: %v %v", tc.id, v, err)
		}
		g := a.c.localGrain(tc.id)
		if g == nil {
			t.Fatalf("%v: not in a's table", tc.id)
		}
		fa.refuse.Store(true)
		calls := fa.calls.Load()
		if err := tc.sender.c.Send(ctx, tc.id, "boom"); err != nil {
			t.Fatal(err)
		}
		reason, err := a.sys.Wait(ctx, g.pid())
		if err != nil && !errors.Is(err, actor.ErrNotFound) {
			t.Fatal(err)
		}
		fa.refuse.Store(false)
		if fa.calls.Load() == calls {
			t.Fatalf("%v: stopped (%v) without calling the producer", tc.id, reason)
		}
		if got := a.c.localGrain(tc.id); got != nil {
			t.Fatalf("%v: still in the table after its restart failed (%v): state %#x", tc.id, reason, got.State.Load())
		}
		if g.enter(a.sys) {
			t.Fatalf("%v: a local sender entered the gate of a grain whose process is gone", tc.id)
		}
		if st := a.c.Stats(); st.Active != n {
			t.Fatalf("%v: %d active after its restart failed, want %d", tc.id, st.Active, n)
		}
		if v, err := tc.sender.c.Request(ctx, tc.id, "x"); err != nil || v != 1 {
			t.Fatalf("%v: after the failed restart: %v %v, want 1 from a new activation", tc.id, v, err)
		}
		if st := a.c.Stats(); st.Active != n+1 || st.Kinds["crash"].Activations != uint64(2*(n+1)) {
			t.Fatalf("%v: %d active, %d activations; want %d and %d", tc.id, st.Active, st.Kinds["crash"].Activations, n+1, 2*(n+1))
		}
	}
}

// TestGrainStoppedDuringRestartBackoff: a grain stopped while its restart
// waits out the supervisor's backoff has no instance for the runtime to
// deliver Stopped to; it leaves the table on its process's stop all the
// same, its gate closed and its stop counted, and the next message
// activates the identity again.
func TestGrainStoppedDuringRestartBackoff(t *testing.T) {
	// The second failure in a row waits an hour: the stop surely lands in
	// the backoff.
	guardian := supervisor.OneForOne(supervisor.WithBackoff(time.Hour, time.Hour), supervisor.WithMaxRestarts(100, time.Hour))
	m := startMemberSys(t, nil, []actor.SystemOption{actor.WithGuardian(guardian)}, remote.Config{},
		Config{IdleAfter: -1, Kinds: map[string]actor.Producer{"crash": func() actor.Actor { return &crasher{} }}})
	failed := make(chan actor.ActorFailed, 4)
	t.Cleanup(m.sys.Subscribe(func(ev actor.Event) {
		if f, ok := ev.(actor.ActorFailed); ok {
			failed <- f
		}
	}))
	ctx := ctxFor(t, 10*time.Second)
	id := ID{Kind: "crash", Name: "c"}
	if v, err := m.c.Request(ctx, id, "x"); err != nil || v != 1 {
		t.Fatalf("first request: %v %v", v, err)
	}
	g := m.c.localGrain(id)
	for range 2 {
		if err := m.c.Send(ctx, id, "boom"); err != nil {
			t.Fatal(err)
		}
		testkit.Recv(t, failed, "ActorFailed")
	}
	// The first failure restarted it at once; the second waits for its
	// restart, and the stop lands there: the failing goroutine decides the
	// restart before it looks at its system lane.
	if err := m.sys.Stop(g.pid()); err != nil {
		t.Fatal(err)
	}
	if _, err := m.sys.Wait(ctx, g.pid()); err != nil && !errors.Is(err, actor.ErrNotFound) {
		t.Fatal(err)
	}
	if got := m.c.localGrain(id); got != nil {
		t.Fatalf("still in the table after a stop during its restart's backoff: state %#x", got.State.Load())
	}
	if g.enter(m.sys) {
		t.Fatal("a local sender entered the gate of a grain whose process is gone")
	}
	if st := m.c.Stats(); st.Active != 0 {
		t.Fatalf("%d active after the stop, want 0", st.Active)
	}
	if v, err := m.c.Request(ctx, id, "x"); err != nil || v != 1 {
		t.Fatalf("after the stop: %v %v, want 1 from a new activation", v, err)
	}
}

// TestGrainFirstSpawnWithoutActor: a grain whose producer gives no actor
// at its first spawn is not activated: its sender retries (the error
// says why when its context ends), the table keeps nothing of it, and the
// first producer that gives an actor activates it.
func TestGrainFirstSpawnWithoutActor(t *testing.T) {
	var f flaky
	f.refuse.Store(true)
	m := startMember(t, nil, Config{IdleAfter: -1, Kinds: map[string]actor.Producer{"crash": f.produce}})
	id := ID{Kind: "crash", Name: "c"}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err := m.c.Request(ctx, id, "x")
	if !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, ErrHandoff) || !errors.Is(err, actor.ErrNilProducer) {
		t.Fatalf("request while the producer gives nothing: %v", err)
	}
	if f.calls.Load() == 0 {
		t.Fatal("the producer was never called")
	}
	if g := m.c.localGrain(id); g != nil || m.c.Stats().Active != 0 {
		t.Fatalf("after failed spawns: %v in the table, %d active", g, m.c.Stats().Active)
	}
	f.refuse.Store(false)
	if v, err := m.c.Request(ctxFor(t, 5*time.Second), id, "x"); err != nil || v != 1 {
		t.Fatalf("once the producer gives an actor: %v %v", v, err)
	}
	if st := m.c.Stats(); st.Active != 1 || st.Kinds["crash"].Activations != 1 {
		t.Fatalf("%d active, %d activations; want 1 and 1", st.Active, st.Kinds["crash"].Activations)
	}
}

// TestGrainRestartWhileStopping: a grain that fails while its member is
// stopping gets no new instance (the member refuses to make grains then),
// and leaves the table as its process stops, not when the member's stop
// looks for it.
func TestGrainRestartWhileStopping(t *testing.T) {
	m := startMember(t, nil, Config{IdleAfter: -1, Kinds: map[string]actor.Producer{"crash": func() actor.Actor { return &crasher{} }}})
	ctx := ctxFor(t, 10*time.Second)
	id := ID{Kind: "crash", Name: "c"}
	if v, err := m.c.Request(ctx, id, "x"); err != nil || v != 1 {
		t.Fatalf("first request: %v %v", v, err)
	}
	pid := actor.PID{ID: actorName(id)}
	m.c.stopping.Store(true) // as Stop does first
	if err := m.sys.Send(pid, "boom"); err != nil {
		t.Fatal(err)
	}
	if _, err := m.sys.Wait(ctx, pid); err != nil && !errors.Is(err, actor.ErrNotFound) {
		t.Fatal(err)
	}
	if g := m.c.localGrain(id); g != nil || m.c.Stats().Active != 0 {
		t.Fatalf("after a restart refused while stopping: %v in the table, %d active", g, m.c.Stats().Active)
	}
}
