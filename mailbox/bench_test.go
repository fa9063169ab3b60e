package mailbox_test

import (
	"context"
	"sync"
	"testing"

	"github.com/troupe-go/troupe/mailbox"
)

// benchItem has the size and pointers of an actor's envelope.
type benchItem struct {
	v    any
	a, b string
	p    *int
}

// BenchmarkPutDrain measures one producer and one batch consumer on their
// own goroutines: the queue's share of an actor's one-way cost.
func BenchmarkPutDrain(b *testing.B) { benchPutDrain(b, false) }

// BenchmarkPutDrainTaken is PutDrain with a consumer that reports each item
// begun, as the actor runtime does: the price of the exact bound.
func BenchmarkPutDrainTaken(b *testing.B) { benchPutDrain(b, true) }

// benchPutDrain runs one producer putting b.N items and one consumer
// draining them in batches, calling Taken before each item when taken.
func benchPutDrain(b *testing.B, taken bool) {
	q := mailbox.New[benchItem](1024)
	done := drainN(q, b.N, taken)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		q.Put(ctx, benchItem{v: i & 127})
	}
	<-done
}

// BenchmarkPutDrainFanIn is PutDrainTaken with eight producers sharing the
// b.N puts: the queue's share of an actor's fan-in, where producers contend
// for the tail.
func BenchmarkPutDrainFanIn(b *testing.B) {
	const producers = 8
	q := mailbox.New[benchItem](1024)
	done := drainN(q, b.N, true)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	var wg sync.WaitGroup
	for p := range producers {
		wg.Go(func() {
			for i := p; i < b.N; i += producers {
				q.Put(ctx, benchItem{v: i & 127})
			}
		})
	}
	wg.Wait()
	<-done
}

// drainN drains n items from q in batches on a goroutine of its own,
// calling Taken before each item when taken, and closes the channel it
// returns when it has them all.
func drainN(q *mailbox.Queue[benchItem], n int, taken bool) <-chan struct{} {
	done := make(chan struct{})
	go func() {
		defer close(done)
		for got := 0; got < n; {
			batch, _ := q.Drain()
			if taken {
				for i := range batch {
					q.Taken(i + 1)
				}
			}
			got += len(batch)
			if len(batch) == 0 {
				q.Wait(context.Background())
			}
		}
	}()
	return done
}
