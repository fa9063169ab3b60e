package actor_test

import (
	"errors"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/troupe-go/troupe/actor"
	"github.com/troupe-go/troupe/supervisor"
)

// hookLog records, in order, what the hooks and the actor's instances saw.
type hookLog struct {
	mu    sync.Mutex
	seen  []string
	ended chan *actor.Tag
}

func newHookLog() *hookLog { return &hookLog{ended: make(chan *actor.Tag, 4)} }

func (l *hookLog) note(s string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.seen = append(l.seen, s)
}

func (l *hookLog) all() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.seen...)
}

// hooks admits instances while admit says so, and notes each call.
func (l *hookLog) hooks(admit func() bool) *actor.Hooks {
	return &actor.Hooks{
		Start: func(c *actor.Context, tag *actor.Tag) bool {
			if tag.PID() != c.Self() {
				l.note("start: wrong tag")
			}
			l.note("start")
			return admit()
		},
		End: func(tag *actor.Tag) {
			l.note("end")
			l.ended <- tag
		},
	}
}

// instance notes the lifecycle messages it gets, and panics on "boom".
func (l *hookLog) instance() actor.Actor {
	return actor.ReceiveFunc(func(c *actor.Context) {
		switch m := c.Message().(type) {
		case actor.Started:
			l.note("Started")
		case actor.Stopped:
			l.note("Stopped")
		case string:
			if m == "boom" {
				panic("boom")
			}
			l.note(m)
			c.Respond(m)
		}
	})
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// Start runs before every instance's Started, the restart's too, and End
// once after the last Stopped; the tag is the actor's throughout.
func TestHooksAroundInstances(t *testing.T) {
	sys := newSystem(t, actor.WithGuardian(supervisor.OneForOne(noBackoff()...)))
	l := newHookLog()
	tag := actor.NewTag(l.hooks(func() bool { return true }))
	if !tag.PID().IsZero() {
		t.Fatalf("a tag before its spawn names %v", tag.PID())
	}
	pid, err := sys.Spawn(l.instance, actor.WithTag(tag))
	if err != nil {
		t.Fatal(err)
	}
	if tag.PID() != pid {
		t.Fatalf("tag.PID() = %v, want %v", tag.PID(), pid)
	}
	sys.Send(pid, "boom")
	if _, err := sys.Request(t.Context(), pid, "after"); err != nil {
		t.Fatal(err)
	}
	sys.Stop(pid)
	if got := receive(t, l.ended); got != tag {
		t.Fatal("End got another tag")
	}
	want := []string{"start", "Started", "start", "Started", "after", "Stopped", "end"}
	if got := l.all(); !equal(got, want) {
		t.Fatalf("seen %q, want %q", got, want)
	}
}

// A refused instance sees no message at all; the actor stops normally, its
// queued messages become dead letters, and End runs.
func TestHooksStartRefuses(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sys := newSystem(t)
		ev := subscribe(t, sys)
		l := newHookLog()
		gate := make(chan struct{})
		tag := actor.NewTag(l.hooks(func() bool { <-gate; return false }))
		pid, err := sys.Spawn(l.instance, actor.WithTag(tag))
		if err != nil {
			t.Fatal(err)
		}
		done := waitFor(sys, pid)
		if err := sys.Send(pid, "queued"); err != nil {
			t.Fatal(err)
		}
		close(gate)
		if err := receive(t, done); err != nil {
			t.Fatalf("a refused actor stopped with %v, want a normal stop", err)
		}
		receive(t, l.ended)
		if got, want := l.all(), []string{"start", "end"}; !equal(got, want) {
			t.Fatalf("seen %q, want %q", got, want)
		}
		for {
			if d, ok := ev.next(t).(actor.DeadLetter); ok {
				if d.Message != "queued" || d.Target != pid {
					t.Fatalf("dead letter %+v, want the queued message", d)
				}
				break
			}
		}
	})
}

// End runs even when no instance could receive Stopped: a restart whose
// producer gave none, and a stop while a restart waits out its backoff.
func TestHooksEndWithoutInstance(t *testing.T) {
	t.Run("no instance", func(t *testing.T) {
		sys := newSystem(t, actor.WithGuardian(supervisor.OneForOne(noBackoff()...)))
		l := newHookLog()
		made := 0
		producer := func() actor.Actor {
			if made++; made > 1 {
				return nil
			}
			return l.instance()
		}
		pid, _ := sys.Spawn(producer, actor.WithHooks(l.hooks(func() bool { return true })))
		sys.Send(pid, "boom")
		tag := receive(t, l.ended)
		if tag.PID() != pid {
			t.Fatalf("End's tag names %v, want %v", tag.PID(), pid)
		}
		if got, want := l.all(), []string{"start", "Started", "end"}; !equal(got, want) {
			t.Fatalf("seen %q, want %q", got, want)
		}
	})
	t.Run("stopped in backoff", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			strategy := supervisor.OneForOne(supervisor.WithBackoff(time.Second, time.Second),
				supervisor.WithJitter(func() float64 { return 0 }))
			sys := newSystem(t, actor.WithGuardian(strategy))
			l := newHookLog()
			pid, _ := sys.Spawn(l.instance, actor.WithHooks(l.hooks(func() bool { return true })))
			sys.Send(pid, "boom") // the first restart is at once
			sys.Send(pid, "boom") // the second waits a second
			synctest.Wait()
			sys.Stop(pid)
			receive(t, l.ended)
			if got, want := l.all(), []string{"start", "Started", "start", "Started", "end"}; !equal(got, want) {
				t.Fatalf("seen %q, want %q", got, want)
			}
		})
	})
}

// The runtime marks the tag once the actor has handled messages, not
// before.
func TestTagTouched(t *testing.T) {
	sys := newSystem(t)
	l := newHookLog()
	tag := actor.NewTag(l.hooks(func() bool { return true }))
	pid, _ := sys.Spawn(l.instance, actor.WithTag(tag))
	if _, err := sys.Request(t.Context(), pid, "first"); err != nil {
		t.Fatal(err)
	}
	if tag.State.Load()&actor.TagTouched == 0 {
		t.Fatal("not touched after a message")
	}
	tag.State.And(^uint64(actor.TagTouched))
	tag.State.Or(1) // the hooks' own bits stay theirs
	if _, err := sys.Request(t.Context(), pid, "second"); err != nil {
		t.Fatal(err)
	}
	if v := tag.State.Load(); v != actor.TagTouched|1 {
		t.Fatalf("state %#x, want touched and the hooks' bit", v)
	}
}

// A tag serves one actor; a spawn that failed leaves it free, and
// WithHooks makes a tag for each spawn.
func TestTagOneActor(t *testing.T) {
	sys := newSystem(t)
	l := newHookLog()
	h := l.hooks(func() bool { return true })
	if _, err := sys.Spawn(l.instance, actor.WithName("taken")); err != nil {
		t.Fatal(err)
	}
	tag := actor.NewTag(h)
	if _, err := sys.Spawn(l.instance, actor.WithName("taken"), actor.WithTag(tag)); !errors.Is(err, actor.ErrNameTaken) {
		t.Fatalf("spawn under a taken name: %v", err)
	}
	if !tag.PID().IsZero() {
		t.Fatal("a failed spawn kept the tag")
	}
	pid, err := sys.Spawn(l.instance, actor.WithTag(tag))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sys.Spawn(l.instance, actor.WithTag(tag)); !errors.Is(err, actor.ErrTagTaken) {
		t.Fatalf("a second spawn with the tag: %v, want ErrTagTaken", err)
	}
	if tag.PID() != pid {
		t.Fatalf("the tag names %v, want %v", tag.PID(), pid)
	}
	a, _ := sys.Spawn(l.instance, actor.WithHooks(h), actor.WithTag(nil))
	b, _ := sys.Spawn(l.instance, actor.WithHooks(h))
	for _, p := range []actor.PID{pid, a, b} {
		sys.Stop(p)
	}
	ends := map[actor.PID]bool{}
	for range 3 {
		ends[receive(t, l.ended).PID()] = true
	}
	if !ends[pid] || !ends[a] || !ends[b] {
		t.Fatalf("ends for %v, want %v, %v and %v", ends, pid, a, b)
	}
	if _, err := sys.Spawn(l.instance, actor.WithHooks(nil)); err != nil {
		t.Fatalf("WithHooks(nil): %v", err)
	}
}
