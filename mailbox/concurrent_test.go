package mailbox_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/troupe-go/troupe/mailbox"
)

// The guarantees under racing producers: each test runs producers against
// one batch consumer that does what the actor runtime does (Drain, Taken
// before each item, Release when it finds nothing), and checks every
// item's fate.

// item is what the producers put: who put it and its number.
type item struct{ from, n int }

// consume drains q until stop returns true, calling Taken before each item
// and Release when a Drain finds nothing, and checks per-producer order and
// the bound as the consumer sees it: no item is lost, none comes twice. It
// returns how many items of each producer it took.
func consume(t *testing.T, q *mailbox.Queue[item], producers int, stop func(got int) bool) []int {
	t.Helper()
	next := make([]int, producers)
	got := 0
	for !stop(got) {
		batch, _ := q.Drain()
		for i, v := range batch {
			q.Taken(i + 1)
			if v.n != next[v.from] {
				t.Fatalf("producer %d: got %d, want %d", v.from, v.n, next[v.from])
			}
			next[v.from]++
			got++
			if w := q.Waiting(); w > q.Cap() {
				t.Fatalf("Waiting = %d > Cap %d", w, q.Cap())
			}
		}
		if len(batch) == 0 {
			q.Release()
			if err := q.Wait(context.Background()); err != nil {
				return next
			}
		}
	}
	return next
}

// DropOldest under racing producers: every item is taken or dropped,
// exactly once, and those taken keep each producer's order.
func TestDropOldestUnderRacingProducers(t *testing.T) {
	const capacity, producers, each = 8, 6, 3000
	q := mailbox.New[item](capacity, mailbox.WithOverflow(mailbox.DropOldest))
	var dropped atomic.Int64
	seen := make([][]int32, producers)
	for p := range seen {
		seen[p] = make([]int32, each)
	}
	q.OnDrop(func(v item) {
		dropped.Add(1)
		if atomic.AddInt32(&seen[v.from][v.n], 1) != 1 {
			t.Errorf("item %v dropped twice or taken and dropped", v)
		}
	})
	var wg sync.WaitGroup
	putAll(t, q, &wg, producers, each)
	done := make(chan struct{})
	go func() { wg.Wait(); q.Close(); close(done) }()
	var taken atomic.Int64
	next := make([]int, producers)
	for {
		batch, _ := q.Drain()
		for i, v := range batch {
			q.Taken(i + 1)
			if v.n < next[v.from] {
				t.Fatalf("producer %d: got %d after %d", v.from, v.n, next[v.from]-1)
			}
			next[v.from] = v.n + 1
			if atomic.AddInt32(&seen[v.from][v.n], 1) != 1 {
				t.Fatalf("item %v taken twice or taken and dropped", v)
			}
			taken.Add(1)
		}
		if len(batch) == 0 {
			if err := q.Wait(context.Background()); errors.Is(err, mailbox.ErrClosed) {
				break
			}
		}
	}
	<-done
	if n := taken.Load() + dropped.Load(); n != producers*each || q.Dropped() != uint64(dropped.Load()) {
		t.Fatalf("taken %d + dropped %d (Dropped %d) = %d, want %d", taken.Load(), dropped.Load(), q.Dropped(), n, producers*each)
	}
}

// Close while producers put: every put that returned nil is taken by the
// Drains that follow Close at once, even one still being written; every
// other put returned ErrClosed.
func TestCloseLosesNoAcceptedItem(t *testing.T) {
	for round := range 8 {
		const producers = 4
		q := mailbox.New[item](64 << (round % 4))
		accepted := make([]atomic.Int64, producers)
		var wg sync.WaitGroup
		var started sync.WaitGroup
		started.Add(producers)
		for p := range producers {
			wg.Go(func() {
				started.Done()
				for i := 0; ; i++ {
					err := q.TryPut(item{p, i})
					if errors.Is(err, mailbox.ErrClosed) {
						return
					}
					if err == nil {
						accepted[p].Add(1)
					}
				}
			})
		}
		started.Wait()
		got := 0
		for got < 2000 {
			batch, _ := q.Drain()
			got += len(batch)
		}
		// What the runtime does when an actor stops: close, then drain
		// what is left while senders may still be in the middle of a put.
		q.Close()
		next := make([]int, producers)
		for _, n := range consumeAll(q) {
			next[n.from]++
		}
		wg.Wait()
		if late := consumeAll(q); len(late) > 0 {
			t.Fatalf("round %d: %d items arrived after the drain that followed Close", round, len(late))
		}
		total := got
		for p := range producers {
			total += next[p]
		}
		want := int64(0)
		for p := range producers {
			want += accepted[p].Load()
		}
		if int64(total) != want {
			t.Fatalf("round %d: took %d items, %d puts returned nil", round, total, want)
		}
	}
}

// putAll starts producers goroutines in wg, each putting its items 0 to
// each-1 with Put; an error fails the test and ends that producer.
func putAll(t *testing.T, q *mailbox.Queue[item], wg *sync.WaitGroup, producers, each int) {
	for p := range producers {
		wg.Go(func() {
			for i := range each {
				if err := q.Put(context.Background(), item{p, i}); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
}

// consumeAll drains a closed queue.
func consumeAll(q *mailbox.Queue[item]) []item {
	var all []item
	for {
		batch, _ := q.Drain()
		if len(batch) == 0 {
			return all
		}
		all = append(all, batch...)
	}
}

// A consumer that gives its storage back whenever it finds nothing, while
// blocked producers keep putting: its storage is made, grown and given back
// under the producers' feet, and nothing is lost or reordered.
func TestReleaseWhileProducersPut(t *testing.T) {
	const capacity, producers, each = 100, 4, 5000
	q := mailbox.New[item](capacity)
	var wg sync.WaitGroup
	putAll(t, q, &wg, producers, each)
	next := consume(t, q, producers, func(got int) bool { return got == producers*each })
	wg.Wait()
	for p, n := range next {
		if n != each {
			t.Fatalf("producer %d: %d items taken, want %d", p, n, each)
		}
	}
}

// PutSome from several producers at once: each burst's items stay in order
// and none is lost or taken twice.
func TestPutSomeUnderRacingProducers(t *testing.T) {
	const capacity, producers, each = 50, 4, 4000
	q := mailbox.New[item](capacity)
	var wg sync.WaitGroup
	for p := range producers {
		wg.Go(func() {
			var burst []item
			for i := 0; i < each; {
				burst = burst[:0]
				for k := 0; k < 7 && i+k < each; k++ {
					burst = append(burst, item{p, i + k})
				}
				n := q.PutSome(burst)
				for _, v := range burst[n:] {
					if err := q.Put(context.Background(), v); err != nil {
						t.Error(err)
						return
					}
				}
				i += len(burst)
			}
		})
	}
	next := consume(t, q, producers, func(got int) bool { return got == producers*each })
	wg.Wait()
	for p, n := range next {
		if n != each {
			t.Fatalf("producer %d: %d items taken, want %d", p, n, each)
		}
	}
}
