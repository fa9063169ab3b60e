package actor_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/troupe-go/troupe/actor"
	"github.com/troupe-go/troupe/mailbox"
)

// The bound counts what the actor has taken from the mailbox and not begun:
// with a handler stuck on one message, WithMailboxSize(4) lets exactly 4
// more wait, under every policy.
func TestMailboxBoundCountsTheBatchInHand(t *testing.T) {
	for _, policy := range []mailbox.Overflow{mailbox.Reject, mailbox.Block, mailbox.DropNewest} {
		t.Run(policy.String(), func(t *testing.T) {
			for round := range 20 {
				sys := newSystem(t)
				entered, release := make(chan struct{}), make(chan struct{})
				seen := make(chan any, 64)
				var dropped atomic.Int32
				sys.Subscribe(func(ev actor.Event) {
					if d, ok := ev.(actor.DeadLetter); ok && errors.Is(d.Reason, mailbox.ErrDropped) {
						dropped.Add(1)
					}
				})
				pid, _ := sys.SpawnFunc(blocker(entered, release, seen),
					actor.WithMailboxSize(4), actor.WithOverflow(policy))
				// Four in one burst, so the actor may take them as one batch.
				for _, m := range []any{"block", 1, 2, 3} {
					if err := sys.TrySend(pid, m); err != nil {
						t.Fatalf("round %d: TrySend(%v) = %v", round, m, err)
					}
				}
				<-entered
				accepted := 0
				for i := 4; i < 50; i++ {
					if err := sys.TrySend(pid, i); err == nil {
						accepted++
					}
				}
				switch policy {
				case mailbox.DropNewest:
					// Every send "succeeds"; all but one are dropped.
					if d := dropped.Load(); d != 45 {
						t.Fatalf("round %d: %d dropped, want 45", round, d)
					}
				default:
					if accepted != 1 {
						t.Fatalf("round %d: %d more accepted with 3 waiting in a mailbox of 4, want 1", round, accepted)
					}
				}
				close(release)
				for _, want := range []any{actor.Started{}, "block", 1, 2, 3, 4} {
					if got := receive(t, seen); got != want {
						t.Fatalf("round %d: handled %v, want %v", round, got, want)
					}
				}
				sys.Shutdown(context.Background())
			}
		})
	}
}

// A Block sender waits while the mailbox holds its bound, the batch in hand
// counted, and gives up with its context.
func TestBlockSenderWaitsForTheBatchInHand(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sys := newSystem(t)
		entered, release := make(chan struct{}), make(chan struct{})
		pid, _ := sys.SpawnFunc(blocker(entered, release, nil), actor.WithMailboxSize(2))
		sys.TrySend(pid, "block")
		sys.TrySend(pid, 1)
		<-entered
		if err := sys.TrySend(pid, 2); err != nil {
			t.Fatalf("TrySend into the slot freed by the handled message = %v", err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		if err := sys.SendContext(ctx, pid, 3); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("SendContext on a mailbox holding 2 of 2 = %v, want DeadlineExceeded", err)
		}
		close(release)
		synctest.Wait()
	})
}
