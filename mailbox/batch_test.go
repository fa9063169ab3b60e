package mailbox_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/troupe-go/troupe/mailbox"
)

// The batch consumer: Drain, Wait, Wake, Taken and the storage they keep.

func TestDrainMarkAndSequence(t *testing.T) {
	q := mailbox.New[int](3, mailbox.WithOverflow(mailbox.DropOldest))
	if m := q.Mark(); m != 0 {
		t.Fatalf("Mark on new queue = %d", m)
	}
	for i := range 5 { // 0 and 1 are pushed out
		q.TryPut(i)
	}
	if m := q.Mark(); m != 5 {
		t.Fatalf("Mark = %d, want 5", m)
	}
	got, first := q.Drain()
	if fmt.Sprint(got) != "[2 3 4]" || first != 2 {
		t.Fatalf("Drain = %v from %d; want [2 3 4] from 2", got, first)
	}
	got, first = q.Drain()
	if len(got) != 0 || first != 5 {
		t.Fatalf("Drain on empty = %v from %d; want [] from 5", got, first)
	}
}

func TestWaitAndWake(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		q := mailbox.New[int](1)
		done := make(chan error)
		go func() { done <- q.Wait(context.Background()) }()
		synctest.Wait()
		q.Wake()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		// A Wake with no one waiting is kept for the next Wait.
		q.Wake()
		if err := q.Wait(context.Background()); err != nil {
			t.Fatal(err)
		}
		q.TryPut(1)
		if err := q.Wait(context.Background()); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		q.TryGet()
		if err := q.Wait(ctx); !errors.Is(err, context.Canceled) {
			t.Fatalf("Wait with cancelled ctx = %v", err)
		}
	})
}

// The bound is exact: however many producers race, exactly Cap items get in.
func TestBoundExactUnderConcurrency(t *testing.T) {
	const capacity, producers, each = 64, 16, 100
	q := mailbox.New[int](capacity, mailbox.WithOverflow(mailbox.Reject))
	var ok sync.WaitGroup
	var mu sync.Mutex
	accepted := 0
	ok.Add(producers)
	for range producers {
		go func() {
			defer ok.Done()
			for i := range each {
				if q.TryPut(i) == nil {
					mu.Lock()
					accepted++
					mu.Unlock()
				}
			}
		}()
	}
	ok.Wait()
	if accepted != capacity || q.Len() != capacity {
		t.Fatalf("accepted %d, Len %d; want exactly %d", accepted, q.Len(), capacity)
	}
}

// Many blocked producers and one batch consumer: nothing lost, per-producer
// order kept, never more than Cap queued.
func TestManyProducersOneBatchConsumer(t *testing.T) {
	const capacity, producers, each = 16, 8, 2000
	q := mailbox.New[[2]int](capacity)
	var wg sync.WaitGroup
	for p := range producers {
		wg.Go(func() {
			for i := range each {
				if err := q.Put(context.Background(), [2]int{p, i}); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	next := make([]int, producers)
	var batch [][2]int
	for total := 0; total < producers*each; {
		if n := q.Len(); n > capacity {
			t.Fatalf("Len = %d > Cap %d", n, capacity)
		}
		batch, _ = q.Drain()
		for _, v := range batch {
			if v[1] != next[v[0]] {
				t.Fatalf("producer %d: got %d, want %d", v[0], v[1], next[v[0]])
			}
			next[v[0]]++
		}
		total += len(batch)
		if len(batch) == 0 {
			if err := q.Wait(context.Background()); err != nil {
				t.Fatal(err)
			}
		}
	}
	wg.Wait()
}

// An idle queue holds no storage for its capacity, and gives back what a
// burst made it grow to once its consumer waits on it empty.
func TestStorageFollowsWhatIsQueued(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		q := mailbox.New[int](1000)
		if n := q.Storage(); n != 0 {
			t.Fatalf("new queue holds %d slots", n)
		}
		q.TryPut(1)
		if n := q.Storage(); n > 8 {
			t.Fatalf("one item: %d slots", n)
		}
		for i := range 999 {
			q.TryPut(i)
		}
		if n := q.Storage(); n != 1000 {
			t.Fatalf("full queue of 1000 holds %d slots", n)
		}
		q.Drain()
		woke := make(chan error)
		go func() { woke <- q.Wait(context.Background()) }()
		synctest.Wait() // the consumer sleeps on an empty queue
		if n := q.Storage(); n != 1000 {
			t.Fatalf("storage released at once: %d slots; want it kept until idle", n)
		}
		time.Sleep(10 * time.Millisecond)
		synctest.Wait()
		if n := q.Storage(); n != 0 {
			t.Fatalf("idle queue after a burst holds %d slots", n)
		}
		q.TryPut(1)
		if err := <-woke; err != nil {
			t.Fatal(err)
		}
	})
}

func TestPendingAndRelease(t *testing.T) {
	q := mailbox.New[int](100)
	if q.Pending() {
		t.Fatal("new queue is pending")
	}
	for i := range 50 {
		q.TryPut(i)
	}
	if !q.Pending() {
		t.Fatal("queue with items is not pending")
	}
	q.Drain()
	if q.Pending() {
		t.Fatal("drained queue still pending")
	}
	if q.Storage() == 0 {
		t.Fatal("no storage after a batch of 50")
	}
	q.Release()
	if n := q.Storage(); n != 0 {
		t.Fatalf("released queue holds %d slots", n)
	}
	q.Wake()
	if !q.Pending() {
		t.Fatal("woken queue is not pending")
	}
	q.Drain() // finds nothing, and says so: a consumer may now go idle
	if q.Pending() {
		t.Fatal("Pending stays set after an empty Drain")
	}
	q.TryPut(1)
	q.Release() // not empty: its item stays
	if v, ok := q.TryGet(); !ok || v != 1 {
		t.Fatalf("Release lost an item: %v %v", v, ok)
	}
}

// What Drain takes keeps its slots until the consumer begins each item
// (Taken) or comes back for more: a batch consumer never lets 2×Cap wait.
// The first item of a batch is the one the consumer handles next, so its
// slot is free at once.
func TestDrainedBatchHoldsItsSlots(t *testing.T) {
	q := mailbox.New[int](3, mailbox.WithOverflow(mailbox.Reject))
	for i := range 3 {
		q.TryPut(i)
	}
	batch, _ := q.Drain()
	if len(batch) != 3 || q.Len() != 0 || q.Held() != 2 {
		t.Fatalf("Drain took %v; Len %d, Held %d; want 3 items, 0, 2", batch, q.Len(), q.Held())
	}
	if err := q.TryPut(3); err != nil {
		t.Fatalf("TryPut into the first item's slot = %v", err)
	}
	if err := q.TryPut(4); !errors.Is(err, mailbox.ErrFull) {
		t.Fatalf("TryPut with 2 held and 1 queued = %v, want ErrFull", err)
	}
	q.Taken(2) // the consumer begins item 1: after a refusal, Taken publishes at once
	if err := q.TryPut(4); err != nil {
		t.Fatalf("TryPut after Taken(2) = %v", err)
	}
	if err := q.TryPut(5); !errors.Is(err, mailbox.ErrFull) {
		t.Fatalf("TryPut with 1 held and 2 queued = %v, want ErrFull", err)
	}
	if batch, _ = q.Drain(); len(batch) != 2 || batch[0] != 3 || q.Held() != 1 {
		t.Fatalf("second Drain = %v, Held %d; want [3 4], 1", batch, q.Held())
	}
	for i := 5; i < 7; i++ {
		if err := q.TryPut(i); err != nil {
			t.Fatalf("TryPut(%d) after the first batch was let go = %v", i, err)
		}
	}
	if err := q.TryPut(7); !errors.Is(err, mailbox.ErrFull) {
		t.Fatalf("TryPut over the bound = %v, want ErrFull", err)
	}
}

// A Put parked for room wakes when the consumer is half-way through the
// batch that holds the slots.
func TestTakenWakesABlockedPut(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		q := mailbox.New[int](4)
		for i := range 4 {
			q.TryPut(i)
		}
		q.Drain()
		q.TryPut(4) // the first item's slot
		put := make(chan error)
		go func() { put <- q.Put(context.Background(), 5) }()
		synctest.Wait()
		select {
		case err := <-put:
			t.Fatalf("Put with every slot used returned %v", err)
		default:
		}
		q.Taken(2)
		if err := <-put; err != nil {
			t.Fatal(err)
		}
		if q.Len() != 2 || q.Held() != 2 {
			t.Fatalf("Len %d, Held %d; want 2, 2", q.Len(), q.Held())
		}
	})
}
