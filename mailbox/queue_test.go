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

func mustPanic(t *testing.T, name string, f func()) {
	t.Helper()
	defer func() {
		if recover() == nil {
			t.Errorf("%s: no panic", name)
		}
	}()
	f()
}

func TestNewRejectsProgrammingErrors(t *testing.T) {
	mustPanic(t, "capacity 0", func() { mailbox.New[int](0) })
	mustPanic(t, "capacity -1", func() { mailbox.New[int](-1) })
	mustPanic(t, "unknown policy", func() { mailbox.New[int](1, mailbox.WithOverflow(mailbox.Overflow(9))) })
	// nil options and a nil callback are harmless.
	q := mailbox.New[int](1, nil).OnDrop(nil)
	if q.Cap() != 1 || q.Overflow() != mailbox.Block {
		t.Fatalf("Cap=%d Overflow=%v, want 1 Block", q.Cap(), q.Overflow())
	}
}

func TestFIFOAndLen(t *testing.T) {
	q := mailbox.New[int](100)
	ctx := context.Background()
	for i := range 50 {
		if err := q.Put(ctx, i); err != nil {
			t.Fatal(err)
		}
	}
	if q.Len() != 50 {
		t.Fatalf("Len = %d, want 50", q.Len())
	}
	for i := range 50 {
		v, err := q.Get(ctx)
		if err != nil || v != i {
			t.Fatalf("Get = %d, %v; want %d", v, err, i)
		}
	}
	if _, ok := q.TryGet(); ok {
		t.Fatal("TryGet on empty queue succeeded")
	}
}

func TestFIFOAcrossRingWrap(t *testing.T) {
	q := mailbox.New[int](10)
	next, want := 0, 0
	for range 100 {
		for q.Len() < 7 {
			if err := q.TryPut(next); err != nil {
				t.Fatal(err)
			}
			next++
		}
		for range 5 {
			v, ok := q.TryGet()
			if !ok || v != want {
				t.Fatalf("TryGet = %d, %v; want %d", v, ok, want)
			}
			want++
		}
	}
}

func TestPolicies(t *testing.T) {
	tests := []struct {
		policy      mailbox.Overflow
		putErr      error
		wantQueue   []int
		wantDropped []int
	}{
		{mailbox.Reject, mailbox.ErrFull, []int{1, 2}, nil},
		{mailbox.DropNewest, nil, []int{1, 2}, []int{3}},
		{mailbox.DropOldest, nil, []int{2, 3}, []int{1}},
	}
	for _, tt := range tests {
		t.Run(tt.policy.String(), func(t *testing.T) {
			var dropped []int
			q := mailbox.New[int](2, mailbox.WithOverflow(tt.policy)).OnDrop(func(v int) { dropped = append(dropped, v) })
			ctx := context.Background()
			for _, v := range []int{1, 2} {
				if err := q.Put(ctx, v); err != nil {
					t.Fatal(err)
				}
			}
			if err := q.Put(ctx, 3); !errors.Is(err, tt.putErr) {
				t.Fatalf("Put on full = %v, want %v", err, tt.putErr)
			}
			got, _ := q.Drain(0)
			if fmt.Sprint(got) != fmt.Sprint(tt.wantQueue) {
				t.Errorf("queue = %v, want %v", got, tt.wantQueue)
			}
			if fmt.Sprint(dropped) != fmt.Sprint(tt.wantDropped) {
				t.Errorf("dropped = %v, want %v", dropped, tt.wantDropped)
			}
			if q.Dropped() != uint64(len(tt.wantDropped)) {
				t.Errorf("Dropped() = %d, want %d", q.Dropped(), len(tt.wantDropped))
			}
		})
	}
}

func TestTryPutOnFullBlockQueue(t *testing.T) {
	q := mailbox.New[int](1)
	if err := q.TryPut(1); err != nil {
		t.Fatal(err)
	}
	if err := q.TryPut(2); !errors.Is(err, mailbox.ErrFull) {
		t.Fatalf("TryPut on full = %v, want ErrFull", err)
	}
	if q.Len() != 1 {
		t.Fatalf("Len = %d after refused TryPut", q.Len())
	}
}

func TestBlockWaitsForRoom(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		q := mailbox.New[int](1)
		q.TryPut(1)
		done := make(chan error)
		go func() { done <- q.Put(context.Background(), 2) }()
		synctest.Wait()
		select {
		case err := <-done:
			t.Fatalf("Put on full returned %v without waiting", err)
		default:
		}
		if v, _ := q.TryGet(); v != 1 {
			t.Fatalf("got %d, want 1", v)
		}
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if v, _ := q.TryGet(); v != 2 {
			t.Fatalf("got %d, want 2", v)
		}
	})
}

func TestBlockPutHonoursContext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		q := mailbox.New[int](1)
		q.TryPut(1)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
		defer cancel()
		if err := q.Put(ctx, 2); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Put = %v, want DeadlineExceeded", err)
		}
		if q.Len() != 1 {
			t.Fatalf("Len = %d: the timed-out item was queued", q.Len())
		}
	})
}

func TestGetWaitsAndHonoursContext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		q := mailbox.New[int](4)
		got := make(chan int)
		go func() {
			v, err := q.Get(context.Background())
			if err != nil {
				t.Error(err)
			}
			got <- v
		}()
		synctest.Wait()
		q.TryPut(7)
		if v := <-got; v != 7 {
			t.Fatalf("Get = %d, want 7", v)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
		defer cancel()
		if _, err := q.Get(ctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Get on empty = %v, want DeadlineExceeded", err)
		}
	})
}

func TestNilContext(t *testing.T) {
	q := mailbox.New[int](1)
	if err := q.Put(nil, 1); err == nil {
		t.Error("Put(nil ctx) = nil")
	}
	if _, err := q.Get(nil); err == nil {
		t.Error("Get(nil ctx) = nil")
	}
	if err := q.Wait(nil); err == nil {
		t.Error("Wait(nil ctx) = nil")
	}
	if q.Len() != 0 {
		t.Error("Put(nil ctx) queued its item")
	}
}

func TestCloseWakesEveryoneAndDrains(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		full := mailbox.New[int](1)
		full.TryPut(1)
		empty := mailbox.New[int](1)
		errs := make(chan error, 6)
		for range 3 {
			go func() { errs <- full.Put(context.Background(), 2) }()
			go func() { _, err := empty.Get(context.Background()); errs <- err }()
		}
		synctest.Wait()
		full.Close()
		empty.Close()
		empty.Close() // idempotent
		for range 6 {
			if err := <-errs; !errors.Is(err, mailbox.ErrClosed) {
				t.Fatalf("woken call = %v, want ErrClosed", err)
			}
		}
		if err := full.TryPut(3); !errors.Is(err, mailbox.ErrClosed) {
			t.Fatalf("TryPut after Close = %v", err)
		}
		// What was queued before Close can still be taken.
		if v, err := full.Get(context.Background()); v != 1 || err != nil {
			t.Fatalf("Get after Close = %d, %v; want 1, nil", v, err)
		}
		if _, err := full.Get(context.Background()); !errors.Is(err, mailbox.ErrClosed) {
			t.Fatalf("Get on closed and drained = %v", err)
		}
		if err := full.Wait(context.Background()); !errors.Is(err, mailbox.ErrClosed) {
			t.Fatalf("Wait on closed and drained = %v", err)
		}
	})
}

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
	got, first := q.Drain(2)
	if fmt.Sprint(got) != "[2 3]" || first != 2 {
		t.Fatalf("Drain = %v from %d; want [2 3] from 2", got, first)
	}
	got, first = q.Drain(0)
	if fmt.Sprint(got) != "[4]" || first != 4 {
		t.Fatalf("Drain = %v from %d; want [4] from 4", got, first)
	}
	got, first = q.Drain(0)
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
		batch, _ = q.Drain(0)
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
		q.Drain(0)
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

func TestOverflowString(t *testing.T) {
	for o, want := range map[mailbox.Overflow]string{
		mailbox.Block: "Block", mailbox.DropNewest: "DropNewest",
		mailbox.DropOldest: "DropOldest", mailbox.Reject: "Reject", 7: "Overflow(7)",
	} {
		if got := o.String(); got != want {
			t.Errorf("%d.String() = %q, want %q", uint8(o), got, want)
		}
	}
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
	q.Drain(0)
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
	q.Drain(0) // finds nothing, and says so: a consumer may now go idle
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
	batch, _ := q.Drain(0)
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
	if batch, _ = q.Drain(0); len(batch) != 2 || batch[0] != 3 || q.Held() != 1 {
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
		q.Drain(0)
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
