package metrics_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/troupe-go/troupe/actor"
	"github.com/troupe-go/troupe/actortest"
	"github.com/troupe-go/troupe/mailbox"
	"github.com/troupe-go/troupe/supervisor"
)

// TestMessagesCounted: 100 messages sent, 100 counted, and the histogram
// has one observation per batch, at least one and at most 100.
func TestMessagesCounted(t *testing.T) {
	r := newRig(t)
	done := make(chan struct{})
	pid, err := r.sys.SpawnFunc(counter(100, done), actor.WithKind("sink"))
	if err != nil {
		t.Fatal(err)
	}
	for i := range 100 {
		if err := r.sys.Send(pid, tick{i}); err != nil {
			t.Fatal(err)
		}
	}
	<-done
	r.shutdown(t) // lets the last batch end, and be reported, first

	want := `
# HELP troupe_actor_messages_total User messages handled.
# TYPE troupe_actor_messages_total counter
troupe_actor_messages_total{kind="sink"} 100
# HELP troupe_actor_spawns_total Actors spawned.
# TYPE troupe_actor_spawns_total counter
troupe_actor_spawns_total{kind="sink"} 1
# HELP troupe_actors_alive Actors spawned and not yet stopped.
# TYPE troupe_actors_alive gauge
troupe_actors_alive{kind="sink"} 0
`
	if err := testutil.GatherAndCompare(r.reg, strings.NewReader(want),
		"troupe_actor_messages_total", "troupe_actor_spawns_total", "troupe_actors_alive"); err != nil {
		t.Error(err)
	}
	if got := value(t, r.reg, "troupe_actor_stops_total", "kind", "sink", "reason", "normal"); got != 1 {
		t.Errorf("normal stops: %v, want 1", got)
	}
	batches := value(t, r.reg, "troupe_actor_message_duration_seconds", "kind", "sink")
	if batches < 1 || batches > 100 {
		t.Errorf("histogram observations: %v, want one per batch, 1 to 100", batches)
	}
	if busy := value(t, r.reg, "troupe_actor_busy_seconds_total", "kind", "sink"); busy <= 0 {
		t.Errorf("busy seconds: %v, want > 0", busy)
	}
}

// TestPanicsAndRestarts: three panics under a supervisor that restarts
// make three panics and three restarts, and no stop.
func TestPanicsAndRestarts(t *testing.T) {
	s := supervisor.OneForOne(supervisor.WithMaxRestarts(10, time.Minute), supervisor.WithBackoff(time.Millisecond, time.Millisecond))
	r := newRig(t, actor.WithGuardian(s))
	pid, err := r.sys.SpawnFunc(func(c *actor.Context) {
		switch c.Message() {
		case "boom":
			panic("boom")
		case "ping":
			c.Respond("pong")
		}
	}, actor.WithKind("fragile"))
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if err := r.sys.Send(pid, "boom"); err != nil {
			t.Fatal(err)
		}
	}
	// Queued behind the panics, the ping is answered by the instance that
	// the third restart made: every restart has been counted by then.
	if _, err := r.sys.Request(context.Background(), pid, "ping"); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]float64{
		"troupe_actor_panics_total":   3,
		"troupe_actor_restarts_total": 3,
		"troupe_actor_spawns_total":   1,
		"troupe_actors_alive":         1,
	} {
		if got := value(t, r.reg, name, "kind", "fragile"); got != want {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
	r.shutdown(t)
	if got := value(t, r.reg, "troupe_actor_messages_total", "kind", "fragile"); got != 4 {
		t.Errorf("messages: %v, want 4 (a message that panicked was handled)", got)
	}
}

// TestStopReasons: an actor stopped by its supervisor after a panic counts
// under reason panic, one stopped by Stop under normal.
func TestStopReasons(t *testing.T) {
	s := supervisor.OneForOne(supervisor.WithDecider(func(any) supervisor.Directive { return supervisor.Stop }))
	r := newRig(t, actor.WithGuardian(s))
	failing, err := r.sys.SpawnFunc(func(c *actor.Context) {
		if c.Message() == "boom" {
			panic("boom")
		}
	}, actor.WithKind("k"))
	if err != nil {
		t.Fatal(err)
	}
	calm, err := r.sys.SpawnFunc(func(*actor.Context) {}, actor.WithKind("k"))
	if err != nil {
		t.Fatal(err)
	}
	probe := actortest.NewProbe(t, r.sys)
	probe.Watch(failing)
	r.sys.Send(failing, "boom")
	probe.ExpectTerminated(failing)
	r.sys.Stop(calm)
	r.shutdown(t)
	for reason, want := range map[string]float64{"normal": 1, "panic": 1, "restart_limit": 0, "ignored_stop": 0, "other": 0} {
		if got := value(t, r.reg, "troupe_actor_stops_total", "kind", "k", "reason", reason); got != want {
			t.Errorf("stops{reason=%q} = %v, want %v", reason, got, want)
		}
	}
}

// TestDropNewestCountsEachDrop: a full DropNewest mailbox refuses each
// further message, and each refusal is one dead letter with reason dropped.
func TestDropNewestCountsEachDrop(t *testing.T) {
	r := newRig(t)
	b := newBlocker()
	t.Cleanup(func() { close(b.release) }) // before the System's shutdown
	pid, err := r.sys.SpawnFunc(b.receive, actor.WithKind("lossy"),
		actor.WithMailboxSize(10), actor.WithOverflow(mailbox.DropNewest))
	if err != nil {
		t.Fatal(err)
	}
	r.sys.Send(pid, tick{0})
	<-b.began // the actor holds message 0: its mailbox is empty, 10 slots free
	for i := range 10 + 7 {
		if err := r.sys.Send(pid, tick{i + 1}); err != nil {
			t.Fatal(err)
		}
	}
	want := map[string]float64{"dropped": 7, "not_found": 0, "stopped": 0, "other": 0}
	for reason, n := range want {
		if got := value(t, r.reg, "troupe_dead_letters_total", "reason", reason); got != n {
			t.Errorf("dead letters{reason=%q} = %v, want %v", reason, got, n)
		}
	}
	for policy, n := range map[string]float64{"DropNewest": 7, "DropOldest": 0} {
		if got := value(t, r.reg, "troupe_mailbox_drops_total", "policy", policy); got != n {
			t.Errorf("drops{policy=%q} = %v, want %v", policy, got, n)
		}
	}
	for name, n := range map[string]float64{
		"troupe_mailbox_depth":     10,
		"troupe_mailbox_depth_max": 10,
		"troupe_mailbox_capacity":  10,
		"troupe_actors_alive":      1,
	} {
		if got := value(t, r.reg, name, "kind", "lossy"); got != n {
			t.Errorf("%s = %v, want %v", name, got, n)
		}
	}
}

// TestDeadLettersByReason makes one dead letter of each reason the runtime
// gives locally, and checks each is counted once under its label and that
// together they are the System's own count.
func TestDeadLettersByReason(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()

	// not_found: no such actor.
	r.sys.Send(actor.PID{ID: "nobody"}, tick{})

	// no_sender and answered: responses with no one to take them.
	responder, err := r.sys.SpawnFunc(func(c *actor.Context) {
		switch c.Message() {
		case "respond":
			c.Respond("to no one") // a plain Send has no sender
		case "twice":
			c.Respond(1)
			c.Respond(2) // the request is already answered
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	r.sys.Send(responder, "respond")
	if _, err := r.sys.Request(ctx, responder, "twice"); err != nil {
		t.Fatal(err)
	}

	// stopped: still queued when the actor stopped.
	b := newBlocker()
	held, err := r.sys.SpawnFunc(b.receive)
	if err != nil {
		t.Fatal(err)
	}
	r.sys.Send(held, tick{0})
	<-b.began
	for i := range 3 {
		r.sys.Send(held, tick{i + 1})
	}
	r.sys.Stop(held) // after the message in hand; the three queued are dead letters
	close(b.release)
	r.shutdown(t) // nothing else is queued: shutting down makes no dead letter

	want := map[string]float64{"not_found": 1, "no_sender": 1, "answered": 1, "stopped": 3, "dropped": 0, "full": 0, "other": 0}
	total := 0.0
	for reason, n := range want {
		if got := value(t, r.reg, "troupe_dead_letters_total", "reason", reason); got != n {
			t.Errorf("dead letters{reason=%q} = %v, want %v", reason, got, n)
		}
		total += n
	}
	if sys := float64(r.sys.DeadLetters()); sys != total {
		t.Errorf("the System counted %v dead letters, the metrics %v", sys, total)
	}
}
