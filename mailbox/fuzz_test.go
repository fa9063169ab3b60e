package mailbox_test

import (
	"context"
	"errors"
	"testing"

	"github.com/troupe-go/troupe/mailbox"
)

// FuzzQueueModel runs a random sequence of operations against a Queue and a
// plain slice that does what the documentation says, and compares them.
// Capacities up to 40 make the queue's storage grow from 8 slots and be
// given back (Release) between and during bursts.
func FuzzQueueModel(f *testing.F) {
	f.Add(uint8(3), uint8(2), []byte{0, 0, 0, 0, 1, 2, 3, 4, 5})
	f.Add(uint8(1), uint8(0), []byte{0, 0, 2, 0, 6, 0})
	f.Add(uint8(5), uint8(3), []byte{0, 0, 0, 0, 0, 0, 0, 5, 3, 1})
	f.Add(uint8(39), uint8(2), []byte{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 7, 7, 7, 8, 0, 0, 9, 10, 2, 8})
	f.Add(uint8(20), uint8(1), []byte{9, 9, 9, 9, 3, 7, 7, 0, 0, 0, 0, 0, 0, 0, 0, 11, 3, 8, 2, 12, 14})
	f.Fuzz(func(t *testing.T, capacity, policy uint8, ops []byte) {
		c := int(capacity%40) + 1
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
		woken := false // Wake called and no Wait returned since
		hint := false  // the queue became non-empty, or Wake or Close was called, since the last Drain
		next := 0
		settle := func() { held, batch, taken, published, pressed = 0, 0, 0, 0, false }
		room := func() int { return c - (len(model) + held - published) }
		for _, op := range ops {
			switch op % 16 {
			case 0, 1, 13: // TryPut
				err := q.TryPut(next)
				if !closed && room() <= 0 && held > 0 {
					pressed = true // a producer found it full
				}
				var want error
				switch {
				case closed:
					want = mailbox.ErrClosed
				case room() > 0:
					model = append(model, next)
					hint = hint || len(model) == 1
				case p == mailbox.Block || p == mailbox.Reject:
					want = mailbox.ErrFull
				case p == mailbox.DropNewest:
					modelDropped = append(modelDropped, next)
				case p == mailbox.DropOldest:
					modelDropped = append(modelDropped, model[0])
					model = append(model[1:], next)
					hint = hint || len(model) == 1
					seq++
				}
				if !errors.Is(err, want) || (err == nil) != (want == nil) {
					t.Fatalf("TryPut(%d) = %v, want %v", next, err, want)
				}
				next++
			case 2: // TryGet
				settle()
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
				hint = false
				model = model[n:]
				seq += uint64(n)
				settle()
				batch, taken = n, 1
				if n > 0 {
					held = n - 1
				}
			case 5:
				if m := q.Mark(); m != seq+uint64(len(model)) {
					t.Fatalf("Mark = %d, want %d", m, seq+uint64(len(model)))
				}
			case 7, 15: // the consumer begins the next item of its batch
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
					hint = hint || !closed // Close is idempotent
					closed = true
				} else if len(model) == 0 && closed {
					settle()
					if _, err := q.Get(context.Background()); !errors.Is(err, mailbox.ErrClosed) {
						t.Fatalf("Get on closed, drained = %v", err)
					}
				}
			case 8: // the consumer goes idle and gives its storage back
				settle()
				q.Release()
				if len(model) == 0 && q.Storage() != 0 {
					t.Fatalf("Release of an empty queue keeps %d slots", q.Storage())
				}
			case 9: // a burst: PutSome adds what fits
				k := int(op/16)%8 + 1
				vs := make([]int, k)
				for i := range vs {
					vs[i] = next + i
				}
				n := q.PutSome(vs)
				want := 0
				if !closed {
					want = min(k, max(room(), 0))
				}
				if n != want {
					t.Fatalf("PutSome(%d items) = %d, want %d (room %d)", k, n, want, room())
				}
				hint = hint || len(model) == 0 && n > 0
				model = append(model, vs[:n]...)
				next += k
			case 10: // Wake, and a Wait that returns at once
				q.Wake()
				woken, hint = true, true
				if !q.Pending() {
					t.Fatal("Pending after Wake is false")
				}
				settle()
				if err := q.Wait(context.Background()); err != nil {
					t.Fatalf("Wait after Wake = %v", err)
				}
				woken = false
			case 11: // Get, when it does not wait
				if len(model) > 0 || closed {
					settle()
					v, err := q.Get(context.Background())
					switch {
					case len(model) > 0 && (err != nil || v != model[0]):
						t.Fatalf("Get = %d, %v; model %v", v, err, model)
					case len(model) == 0 && !errors.Is(err, mailbox.ErrClosed):
						t.Fatalf("Get on closed, drained = %d, %v", v, err)
					}
					if len(model) > 0 {
						model = model[1:]
						seq++
					}
				}
			case 12: // Wait, when it does not wait
				if len(model) > 0 || woken || closed {
					settle()
					err := q.Wait(context.Background())
					if want := len(model) == 0 && !woken; errors.Is(err, mailbox.ErrClosed) != want {
						t.Fatalf("Wait = %v; model %v, woken %v, closed %v", err, model, woken, closed)
					}
					woken = false
				}
			case 14: // what a snapshot reads
				if w := q.Waiting(); w != len(model)+held-published {
					t.Fatalf("Waiting = %d, model %d", w, len(model)+held-published)
				}
				if s := q.Storage(); s > 4*64 {
					t.Fatalf("Storage = %d slots for capacity %d", s, c)
				}
			}
			if q.Pending() != hint {
				t.Fatalf("Pending = %v, want %v (model %v)", q.Pending(), hint, model)
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
