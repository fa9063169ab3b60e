package mailbox_test

import (
	"context"
	"errors"
	"testing"

	"github.com/troupe-go/troupe/mailbox"
)

// FuzzQueueModel runs a random sequence of operations against a Queue and a
// plain slice that does what the documentation says, and compares them.
func FuzzQueueModel(f *testing.F) {
	f.Add(uint8(3), uint8(2), []byte{0, 0, 0, 0, 1, 2, 3, 4, 5})
	f.Add(uint8(1), uint8(0), []byte{0, 0, 2, 0, 6, 0})
	f.Add(uint8(5), uint8(3), []byte{0, 0, 0, 0, 0, 0, 0, 5, 3, 1})
	f.Fuzz(func(t *testing.T, capacity, policy uint8, ops []byte) {
		c := int(capacity%16) + 1
		p := mailbox.Overflow(policy % 4)
		var dropped []int
		q := mailbox.New[int](c, mailbox.WithOverflow(p)).
			OnDrop(func(v int) { dropped = append(dropped, v) })
		var model, modelDropped []int
		var seq uint64 // sequence number of model[0]
		held := 0      // items of the last Drain but its first, which keep their slots until the consumer comes back
		batch := 0     // items of the last Drain
		taken := 0     // how many of them the consumer has begun to handle
		published := 0 // how many of those Taken has published to producers
		pressed := false
		closed := false
		next := 0
		for _, op := range ops {
			switch op % 8 {
			case 0, 1: // TryPut
				err := q.TryPut(next)
				if !closed && len(model)+held-published >= c && held > 0 {
					pressed = true // a producer found it full
				}
				var want error
				switch {
				case closed:
					want = mailbox.ErrClosed
				case len(model)+held-published < c:
					model = append(model, next)
				case p == mailbox.Block || p == mailbox.Reject:
					want = mailbox.ErrFull
				case p == mailbox.DropNewest:
					modelDropped = append(modelDropped, next)
				case p == mailbox.DropOldest:
					modelDropped = append(modelDropped, model[0])
					model = append(model[1:], next)
					seq++
				}
				if !errors.Is(err, want) || (err == nil) != (want == nil) {
					t.Fatalf("TryPut(%d) = %v, want %v", next, err, want)
				}
				next++
			case 2: // TryGet
				held, batch, taken, published, pressed = 0, 0, 0, 0, false
				v, ok := q.TryGet()
				if ok != (len(model) > 0) || (ok && v != model[0]) {
					t.Fatalf("TryGet = %d, %v; model %v", v, ok, model)
				}
				if ok {
					model = model[1:]
					seq++
				}
			case 3, 4: // Drain
				got, first := q.Drain()
				n := len(model)
				if first != seq || len(got) != n {
					t.Fatalf("Drain = %v from %d; model %v from %d", got, first, model, seq)
				}
				for i := range got {
					if got[i] != model[i] {
						t.Fatalf("Drain = %v; model %v", got, model)
					}
				}
				model = model[n:]
				seq += uint64(n)
				batch, taken, published, pressed = n, 1, 0, false
				held = 0
				if n > 0 {
					held = n - 1
				}
			case 5:
				if m := q.Mark(); m != seq+uint64(len(model)) {
					t.Fatalf("Mark = %d, want %d", m, seq+uint64(len(model)))
				}
			case 7: // the consumer begins the next item of its batch
				if taken < batch {
					taken++
					q.Taken(taken)
					if taken >= 2 && (taken%16 == 0 || taken == batch/2 || taken == batch || pressed) {
						published = taken - 1
					}
				}
			case 6:
				if op%3 == 0 {
					q.Close()
					closed = true
				} else if len(model) == 0 && closed {
					held, batch, taken, published, pressed = 0, 0, 0, 0, false
					if _, err := q.Get(context.Background()); !errors.Is(err, mailbox.ErrClosed) {
						t.Fatalf("Get on closed, drained = %v", err)
					}
				}
			}
			if q.Len() != len(model) || q.Held() != held-published || q.Len()+q.Held() > c {
				t.Fatalf("Len = %d, Held = %d; model %d, %d; cap %d", q.Len(), q.Held(), len(model), held-published, c)
			}
		}
		if len(dropped) != len(modelDropped) || q.Dropped() != uint64(len(modelDropped)) {
			t.Fatalf("dropped %v (%d), model %v", dropped, q.Dropped(), modelDropped)
		}
		for i := range dropped {
			if dropped[i] != modelDropped[i] {
				t.Fatalf("dropped %v, model %v", dropped, modelDropped)
			}
		}
	})
}
