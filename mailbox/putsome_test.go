package mailbox_test

import (
	"context"
	"testing"
	"testing/synctest"

	"github.com/troupe-go/troupe/mailbox"
)

// PutSome adds what fits, in order, and leaves the rest to the caller
// whatever the policy: no item is dropped, refused by an error or waited
// for.
func TestPutSomeAddsWhatFits(t *testing.T) {
	for _, o := range []mailbox.Overflow{mailbox.Block, mailbox.Reject, mailbox.DropNewest, mailbox.DropOldest} {
		q := mailbox.New[int](5, mailbox.WithOverflow(o))
		dropped := 0
		q.OnDrop(func(int) { dropped++ })
		if n := q.PutSome([]int{0, 1, 2}); n != 3 {
			t.Fatalf("%v: PutSome of 3 into 5 free = %d", o, n)
		}
		if n := q.PutSome([]int{3, 4, 5, 6}); n != 2 {
			t.Fatalf("%v: PutSome of 4 into 2 free = %d", o, n)
		}
		if n := q.PutSome([]int{7}); n != 0 || q.Len() != 5 || dropped != 0 || q.Dropped() != 0 {
			t.Fatalf("%v: full: PutSome = %d, Len %d, dropped %d/%d", o, n, q.Len(), dropped, q.Dropped())
		}
		for want := range 5 {
			if v, ok := q.TryGet(); !ok || v != want {
				t.Fatalf("%v: TryGet = %d %v, want %d", o, v, ok, want)
			}
		}
		if n := q.PutSome(nil); n != 0 {
			t.Fatalf("%v: PutSome(nil) = %d", o, n)
		}
	}
}

// The bound counts the batch a consumer holds: PutSome sees the slots of
// a drained batch as taken until the consumer says they are begun.
func TestPutSomeCountsTheHeldBatch(t *testing.T) {
	q := mailbox.New[int](4)
	q.PutSome([]int{1, 2, 3, 4})
	batch, _ := q.Drain()
	if len(batch) != 4 {
		t.Fatalf("Drain took %d", len(batch))
	}
	// The first item is under way; the other three still hold their slots.
	if n := q.PutSome([]int{5, 6}); n != 1 {
		t.Fatalf("PutSome beside a held batch of 3 in 4 = %d, want 1", n)
	}
	q.Taken(4)
	if n := q.PutSome([]int{6, 7, 8, 9}); n != 3 {
		t.Fatalf("PutSome once the batch is begun = %d, want 3", n)
	}
}

func TestPutSomeOnAClosedQueue(t *testing.T) {
	q := mailbox.New[int](4)
	q.Close()
	if n := q.PutSome([]int{1}); n != 0 {
		t.Fatalf("PutSome on a closed queue = %d", n)
	}
}

// A consumer parked in Get or Wait is woken by PutSome.
func TestPutSomeWakesAParkedConsumer(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		q := mailbox.New[int](8)
		got := make(chan []int)
		go func() {
			if err := q.Wait(context.Background()); err != nil {
				t.Error(err)
			}
			batch, _ := q.Drain()
			got <- append([]int(nil), batch...)
		}()
		synctest.Wait() // parked
		q.PutSome([]int{1, 2})
		if b := <-got; len(b) != 2 || b[0] != 1 || b[1] != 2 {
			t.Fatalf("the consumer drained %v", b)
		}
	})
}
