package mailbox_test

import (
	"context"
	"errors"
	"fmt"
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
			got, _ := q.Drain()
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
