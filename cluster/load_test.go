package cluster

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/troupe-go/troupe/actor"
)

// tick is one message of a load test: who sent it and its number.
type tick struct {
	Sender int
	Seq    int
}

// ledger records which ticks were delivered, and how often.
type ledger struct {
	mu        sync.Mutex
	delivered map[tick]int
	changed   chan struct{}
}

func newLedger() *ledger {
	return &ledger{delivered: map[tick]int{}, changed: make(chan struct{}, 1)}
}

func (l *ledger) deliver(m tick) {
	l.mu.Lock()
	l.delivered[m]++
	l.mu.Unlock()
	select {
	case l.changed <- struct{}{}:
	default:
	}
}

// counter is the grain of the load test: it records each tick.
type counter struct{ l *ledger }

func (c *counter) Receive(ctx *actor.Context) {
	if m, ok := ctx.Message().(tick); ok {
		c.l.deliver(m)
	}
}

// TestJoinUnderLoad: a member joins while 4 senders drive 100 identities;
// every message sent is delivered once or dead-lettered with a reason.
func TestJoinUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("load: not in -short")
	}
	l := newLedger()
	kinds := map[string]actor.Producer{"count": func() actor.Actor { return &counter{l: l} }}
	a := startMember(t, nil, Config{Kinds: kinds})
	b := startMember(t, nil, Config{Kinds: kinds}, a.c.GossipAddr())
	waitAlive(t, []*member{a, b}, 2)

	const senders, per, ids = 4, 1500, 100
	var sent, refused atomic.Int64
	ctx := ctxFor(t, 60*time.Second)
	half := make(chan struct{})
	var halfOnce sync.Once
	var wg sync.WaitGroup
	for s := range senders {
		from := []*member{a, b}[s%2]
		wg.Add(1)
		go func() {
			defer wg.Done()
			for seq := range per {
				if seq == per/2 {
					halfOnce.Do(func() { close(half) })
				}
				id := ID{Kind: "count", Name: fmt.Sprint((seq*7 + s) % ids)}
				sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
				err := from.c.Send(sctx, id, tick{Sender: s, Seq: seq})
				cancel()
				if err != nil {
					refused.Add(1)
					t.Errorf("send %d/%d: %v", s, seq, err)
					continue
				}
				sent.Add(1)
			}
		}()
	}
	<-half
	c := startMember(t, nil, Config{Kinds: kinds}, a.c.GossipAddr())
	waitAlive(t, []*member{a, b, c}, 3)
	wg.Wait()

	// Wait until every message sent is delivered or a dead letter.
	ms := []*member{a, b, c}
	dead := func() map[tick]error {
		out := map[tick]error{}
		for _, m := range ms {
			for _, d := range m.deadLetters() {
				if tk, ok := d.Message.(tick); ok {
					out[tk] = d.Reason
				}
			}
		}
		return out
	}
	deadline := time.After(20 * time.Second)
	for {
		l.mu.Lock()
		n := len(l.delivered)
		l.mu.Unlock()
		if int64(n+len(dead())) >= sent.Load() {
			break
		}
		select {
		case <-l.changed:
		case <-time.After(50 * time.Millisecond): // dead letters come without a signal
		case <-deadline:
			t.Fatalf("%d sent, %d delivered, %d dead letters", sent.Load(), n, len(dead()))
		}
	}
	dl := dead()
	l.mu.Lock()
	defer l.mu.Unlock()
	for s := range senders {
		for seq := range per {
			m := tick{s, seq}
			n, isDead := l.delivered[m], dl[m] != nil
			switch {
			case n > 1:
				t.Errorf("%+v delivered %d times", m, n)
			case n == 1 && isDead:
				t.Errorf("%+v delivered and a dead letter", m)
			case n == 0 && !isDead:
				t.Errorf("%+v lost", m)
			}
		}
	}
	var retries, handoffs uint64
	for _, m := range ms {
		k := m.c.Stats().Kinds["count"]
		retries += k.Retries
		handoffs += k.Handoffs
	}
	reasons := map[string]int{}
	for _, r := range dl {
		reasons[r.Error()]++
	}
	t.Logf("%d sent: %d delivered once, %d dead letters %v; %d retries, %d handoffs",
		sent.Load(), len(l.delivered), len(dl), reasons, retries, handoffs)
}
