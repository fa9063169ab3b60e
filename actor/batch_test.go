package actor_test

import (
	"context"
	"errors"
	"testing"

	"github.com/troupe-go/troupe/actor"
	"github.com/troupe-go/troupe/mailbox"
)

// A batch arrives in order, with each message's sender and reply, and
// wakes its idle target.
func TestTryDeliverBatch(t *testing.T) {
	a, b, pa, _ := joined(t)
	got := make(chan any, 8)
	echo, _ := b.SpawnFunc(func(c *actor.Context) {
		if m, ok := c.Message().(int); ok {
			got <- [2]any{m, c.Sender()}
			c.Respond(m * 10)
		}
	})
	from := actor.PID{Address: "a", ID: "someone"}
	answer := make(chan any, 1)
	var batch actor.Batch
	batch.Add(from, 1, actor.Reply{})
	batch.Add(actor.PID{}, 2, actor.NewReply(func(v any, err error) { answer <- v }))
	batch.Add(from, 3, actor.Reply{})
	if s, m, r := batch.At(0); s != from || m != 1 || !r.IsZero() || batch.Len() != 3 {
		t.Fatalf("At(0) = %v %v %v, Len %d", s, m, r, batch.Len())
	}
	if n := pa.peer.self.TryDeliverBatch(echo, &batch); n != 3 {
		t.Fatalf("TryDeliverBatch = %d, want 3", n)
	}
	for i, want := range []any{[2]any{1, from}, [2]any{2, actor.PID{}}, [2]any{3, from}} {
		if m := receive(t, got); m != want {
			t.Fatalf("message %d: %v, want %v", i, m, want)
		}
	}
	if v := receive(t, answer); v != 20 {
		t.Fatalf("the request got %v, want 20", v)
	}
	batch.Reset()
	if batch.Len() != 0 {
		t.Fatalf("Len after Reset = %d", batch.Len())
	}
	_ = a
}

// TryDeliverBatch delivers what fits and leaves the rest, with no dead
// letter and no drop, to the caller; for an actor that does not exist, or
// an empty batch, it delivers nothing.
func TestTryDeliverBatchLeavesTheRest(t *testing.T) {
	_, b, pa, _ := joined(t)
	ev := subscribe(t, b)
	entered, release := make(chan struct{}), make(chan struct{})
	seen := make(chan any, 8)
	pid, _ := b.SpawnFunc(blocker(entered, release, seen), actor.WithMailboxSize(2),
		actor.WithOverflow(mailbox.DropNewest))
	if err := b.Send(pid, "block"); err != nil {
		t.Fatal(err)
	}
	<-entered
	link := pa.peer.self
	var batch actor.Batch
	for _, m := range []string{"x", "y", "z"} {
		batch.Add(actor.PID{}, m, actor.Reply{})
	}
	if n := link.TryDeliverBatch(pid, &batch); n != 2 {
		t.Fatalf("TryDeliverBatch into 2 free slots = %d", n)
	}
	if n := link.TryDeliverBatch(actor.PID{ID: "nobody"}, &batch); n != 0 {
		t.Fatalf("TryDeliverBatch to no actor = %d", n)
	}
	if n := link.TryDeliverBatch(actor.PID{}, &batch); n != 0 {
		t.Fatalf("TryDeliverBatch to the zero PID = %d", n)
	}
	if n := link.TryDeliverBatch(pid, &actor.Batch{}); n != 0 {
		t.Fatalf("TryDeliverBatch of nothing = %d", n)
	}
	close(release)
	for _, want := range []any{"block", "x", "y"} {
		m := receive(t, seen)
		for _, ok := m.(string); !ok; _, ok = m.(string) {
			m = receive(t, seen) // Started
		}
		if m != want {
			t.Fatalf("got %v, want %v", m, want)
		}
	}
	if d := ev.deadLetters(); len(d) != 0 {
		t.Fatalf("dead letters: %v", d)
	}
}

// A stopped System takes nothing.
func TestTryDeliverBatchStoppedSystem(t *testing.T) {
	_, b, pa, _ := joined(t)
	pid, _ := b.SpawnFunc(func(*actor.Context) {})
	if err := b.Shutdown(context.Background()); err != nil && !errors.Is(err, actor.ErrSystemStopped) {
		t.Fatal(err)
	}
	var batch actor.Batch
	batch.Add(actor.PID{}, "late", actor.Reply{})
	if n := pa.peer.self.TryDeliverBatch(pid, &batch); n != 0 {
		t.Fatalf("TryDeliverBatch on a stopped System = %d", n)
	}
}

// A receipt calls back once it leaves the mailbox, after the messages
// before it, however it leaves: handled past, dropped, left behind by a
// stop, or delivered to no actor. The actor never sees it, and it is never
// a dead letter.
func TestBatchReceipt(t *testing.T) {
	_, b, pa, _ := joined(t)
	ev := subscribe(t, b)
	link := pa.peer.self
	entered, release := make(chan struct{}), make(chan struct{})
	seen := make(chan any, 8)
	pid, _ := b.SpawnFunc(blocker(entered, release, seen))
	receipts := make(chan string, 8)
	receipt := func(name string) func() { return func() { receipts <- name } }

	var batch actor.Batch
	batch.Add(actor.PID{}, "block", actor.Reply{})
	batch.Add(actor.PID{}, "x", actor.Reply{})
	batch.AddReceipt(receipt("handled"))
	if n := link.TryDeliverBatch(pid, &batch); n != 3 {
		t.Fatalf("TryDeliverBatch = %d, want 3", n)
	}
	<-entered
	select {
	case r := <-receipts:
		t.Fatalf("receipt %q before the messages before it were handled", r)
	default:
	}
	close(release)
	if r := receive(t, receipts); r != "handled" {
		t.Fatalf("receipt %q", r)
	}
	for _, want := range []any{"block", "x"} {
		m := receive(t, seen)
		for _, ok := m.(string); !ok; _, ok = m.(string) {
			m = receive(t, seen) // Started
		}
		if m != want {
			t.Fatalf("got %v, want %v", m, want)
		}
	}

	// Left in the mailbox of an actor that stops.
	entered2, release2 := make(chan struct{}), make(chan struct{})
	stopping, _ := b.SpawnFunc(blocker(entered2, release2, nil))
	batch.Reset()
	batch.Add(actor.PID{}, "block", actor.Reply{})
	batch.AddReceipt(receipt("stopped"))
	if n := link.TryDeliverBatch(stopping, &batch); n != 2 {
		t.Fatalf("TryDeliverBatch = %d, want 2", n)
	}
	<-entered2
	b.Stop(stopping)
	close(release2)
	if r := receive(t, receipts); r != "stopped" {
		t.Fatalf("receipt %q", r)
	}

	// Delivered to no actor, as the remote reader does with what is left.
	batch.Reset()
	batch.AddReceipt(receipt("nobody"))
	_, m, reply := batch.At(0)
	if err := link.TryDeliver(actor.PID{ID: "nobody"}, actor.PID{}, m, reply); !errors.Is(err, actor.ErrNotFound) {
		t.Fatalf("TryDeliver to nobody: %v", err)
	}
	if r := receive(t, receipts); r != "nobody" {
		t.Fatalf("receipt %q", r)
	}
	link.DeadLetter(pid, actor.PID{}, m, reply, errors.New("dropped")) // once only: a second leave calls nothing
	select {
	case r := <-receipts:
		t.Fatalf("receipt %q called twice", r)
	default:
	}
	if d := ev.deadLetters(); len(d) != 0 {
		t.Fatalf("dead letters: %v", d)
	}
}
