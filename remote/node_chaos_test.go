package remote_test

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/troupe-go/troupe/actor"
	"github.com/troupe-go/troupe/internal/testkit"
	"github.com/troupe-go/troupe/remote"
)

// writesAcknowledged says whether PeerStats.Delivered counts only what the
// peer acknowledged. It does, since protocol version 2 (the Ack frame): a
// connection cut (here by the proxy, in general by any broken path or
// crashed host) turns what sat unacknowledged in the buffers between into
// Uncertain, so TestNodeOrderUnderCuts checks that every gap is a dead
// letter or an uncertain message.
const writesAcknowledged = true

// quickReconnect makes the tests through a proxy fast: reconnect at once,
// notice silence in half a second.
var quickReconnect = remote.Config{
	ReconnectMin:      time.Millisecond,
	ReconnectMax:      20 * time.Millisecond,
	HeartbeatInterval: 50 * time.Millisecond,
	HeartbeatTimeout:  500 * time.Millisecond,
}

// seqSink records the Seq messages an actor receives, per sender, and
// counts them on a channel the test can wait on.
type seqSink struct {
	mu   sync.Mutex
	got  map[string][]int
	n    atomic.Int64
	tick chan struct{} // one per message, dropped when full
}

func newSeqSink() *seqSink {
	return &seqSink{got: map[string][]int{}, tick: make(chan struct{}, 1)}
}

func (s *seqSink) receive(c *actor.Context) {
	m, ok := c.Message().(Seq)
	if !ok {
		return
	}
	s.mu.Lock()
	s.got[m.From] = append(s.got[m.From], m.N)
	s.mu.Unlock()
	s.n.Add(1)
	select {
	case s.tick <- struct{}{}:
	default:
	}
}

// waitCount waits until the sink has n messages, for testkit.WaitLimit at most;
// it reports whether it got them.
func (s *seqSink) waitCount(n int64) bool {
	limit := time.After(testkit.WaitLimit)
	for s.n.Load() < n {
		select {
		case <-s.tick:
		case <-limit:
			return false
		}
	}
	return true
}

// seqs returns what the sink got from sender.
func (s *seqSink) seqs(sender string) []int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.got[sender])
}

// checkOrder fails the test unless seqs is strictly increasing, below m.
func checkOrder(t testing.TB, sender string, seqs []int, m int) {
	t.Helper()
	for i, n := range seqs {
		if n < 0 || n >= m || (i > 0 && n <= seqs[i-1]) {
			t.Fatalf("%s: sequence %d at %d follows %v: reordered or duplicated", sender, n, i, seqs[max(0, i-3):i])
		}
	}
}

// N senders send M numbered messages each to one actor through a proxy
// that cuts the connection a few times at random moments. Per sender, the
// numbers arrive strictly increasing (gaps allowed, never a reorder or a
// duplicate), and every gap is a message the sending node counted as
// dropped (a dead letter) or uncertain (written, never acknowledged): none
// it counted as delivered is missing.
func TestNodeOrderUnderCuts(t *testing.T) {
	const senders, msgs, cuts = 4, 500, 4
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, seed>>1))

	pn := newProxyNet()
	cfg := quickReconnect
	cfg.OutboundQueue = 64 // senders wait for room: the stream spreads over the connections
	a, _ := pn.node(t, cfg)
	b, proxy := pn.node(t, cfg)
	sink := newSeqSink()
	spawn(t, b.sys, "sink", sink.receive)
	dead := deadLetters(t, a.sys)

	// The cuts fall when the senders together have sent these counts,
	// while the stream flows: the queue is small, so sends wait for the
	// writer.
	at := map[int64]bool{}
	for len(at) < cuts {
		at[50+rng.Int64N(senders*msgs-100)] = true
	}
	t.Logf("cuts after %v messages sent", slices.Sorted(maps.Keys(at)))
	var sent atomic.Int64
	var made atomic.Int64
	var wg sync.WaitGroup
	for s := range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			from := fmt.Sprint("s", s)
			for n := range msgs {
				if err := a.sys.Send(b.pid("sink"), Seq{From: from, N: n}); err != nil {
					t.Errorf("%s: send %d: %v", from, n, err)
					return
				}
				if at[sent.Add(1)] {
					made.Add(int64(proxy.Cut()))
				}
			}
		}()
	}
	wg.Wait()
	settledStats(t, a, b.node.Addr())

	// A last message, after the cuts, marks the end of the stream: what
	// was written before it has arrived by the time it does.
	if err := a.sys.Send(b.pid("sink"), Seq{From: "end"}); err != nil {
		t.Fatal(err)
	}
	for len(sink.seqs("end")) == 0 {
		testkit.Recv(t, sink.tick, "the end marker")
	}
	st := settledStats(t, a, b.node.Addr())

	got := 0
	for s := range senders {
		from := fmt.Sprint("s", s)
		seqs := sink.seqs(from)
		checkOrder(t, from, seqs, msgs)
		got += len(seqs)
	}
	gaps := uint64(senders*msgs - got)
	t.Logf("%d links cut, %d of %d arrived; stats %+v", made.Load(), got, senders*msgs, st)
	if st.Sent != senders*msgs+1 {
		t.Fatalf("Sent %d, want %d", st.Sent, senders*msgs+1)
	}
	// Sent = Delivered + Uncertain + Dropped once quiet: nothing vanished
	// from the counts.
	if st.Delivered+st.Uncertain+st.Dropped != st.Sent {
		t.Fatalf("the counts do not add up: %+v", st)
	}
	if lost := int64(gaps) - int64(st.Dropped+st.Uncertain); lost > 0 {
		if writesAcknowledged {
			t.Fatalf("%d messages missing, but only %d dropped and %d uncertain: %d counted delivered were lost",
				gaps, st.Dropped, st.Uncertain, lost)
		}
		t.Logf("known gap: %d messages counted delivered were lost in the cuts", lost)
	}
	if n := uint64(len(dead)); n != st.Dropped {
		t.Fatalf("%d dead letters, %d counted dropped", n, st.Dropped)
	}
}
