package remote_test

import (
	"errors"
	"testing"
	"time"

	"github.com/troupe-go/troupe/actor"
	"github.com/troupe-go/troupe/actortest"
	"github.com/troupe-go/troupe/internal/testkit"
	"github.com/troupe-go/troupe/remote"
)

// nodeEvents subscribes to sys's NodeUp and NodeDown events.
func nodeEvents(t testing.TB, sys *actor.System) <-chan actor.Event {
	ch := make(chan actor.Event, 64)
	unsub := sys.Subscribe(func(ev actor.Event) {
		switch ev.(type) {
		case actor.NodeUp, actor.NodeDown:
			select {
			case ch <- ev:
			default:
			}
		}
	})
	t.Cleanup(unsub)
	return ch
}

// waitNodeDown waits for the NodeDown of addr.
func waitNodeDown(t testing.TB, events <-chan actor.Event, addr string) actor.NodeDown {
	t.Helper()
	for {
		if d, ok := testkit.Recv(t, events, "NodeDown").(actor.NodeDown); ok && d.Address == addr {
			return d
		}
	}
}

// partitioned starts two nodes, a and b, connects a to b's sink through
// b's proxy, blackholes the proxy and waits until a declares b down: from
// then on what a sends to b waits in a's queue.
func partitioned(t *testing.T, giveUp time.Duration) (a, b *testNode, proxy *actortest.Proxy, sink *seqSink) {
	t.Helper()
	pn := newProxyNet()
	cfg := quickReconnect
	cfg.HandshakeTimeout = 200 * time.Millisecond // a dial into the blackhole fails soon
	cfg.ReconnectGiveUp = giveUp
	a, _ = pn.node(t, cfg)
	b, proxy = pn.node(t, cfg)
	sink = newSeqSink()
	spawn(t, b.sys, "sink", sink.receive)
	events := nodeEvents(t, a.sys)
	if err := a.sys.Send(b.pid("sink"), Seq{From: "before"}); err != nil {
		t.Fatal(err)
	}
	testkit.Recv(t, sink.tick, "the first message")
	settledStats(t, a, b.node.Addr()) // its Ack is back: a cut cannot make it uncertain
	proxy.Blackhole()
	if d := waitNodeDown(t, events, b.node.Addr()); !errors.Is(d.Reason, remote.ErrHeartbeatTimeout) {
		t.Fatalf("NodeDown %+v, want ErrHeartbeatTimeout", d)
	}
	return a, b, proxy, sink
}

// A partition shorter than ReconnectGiveUp loses nothing: what was sent
// meanwhile waits in the queue and arrives, in order, once it heals.
func TestNodeShortPartition(t *testing.T) {
	const k = 300
	a, b, proxy, sink := partitioned(t, 20*time.Second)
	dead := deadLetters(t, a.sys)
	for n := range k {
		if err := a.sys.Send(b.pid("sink"), Seq{From: "during", N: n}); err != nil {
			t.Fatal(err)
		}
	}
	// Wait for a failed reconnect, then heal.
	proxy.WaitLinks(3) // the first, and two dials into the blackhole
	proxy.Heal()
	if !sink.waitCount(k + 1) {
		t.Fatalf("%d of %d arrived after the partition healed", sink.n.Load()-1, k)
	}
	seqs := sink.seqs("during")
	checkOrder(t, "during", seqs, k)
	if len(seqs) != k {
		t.Fatalf("%d arrived, want %d", len(seqs), k)
	}
	st := settledStats(t, a, b.node.Addr())
	if st.Dropped != 0 || st.Uncertain != 0 || st.Delivered != st.Sent || len(dead) != 0 {
		t.Fatalf("stats %+v, %d dead letters", st, len(dead))
	}
}

// A partition longer than ReconnectGiveUp makes dead letters of exactly
// what waited (ErrNodeUnreachable); once it heals, new sends arrive.
func TestNodeLongPartition(t *testing.T) {
	const k = 300
	a, b, proxy, sink := partitioned(t, time.Second)
	dead := deadLetters(t, a.sys)
	for n := range k {
		if err := a.sys.Send(b.pid("sink"), Seq{From: "during", N: n}); err != nil {
			t.Fatal(err)
		}
	}
	for n := range k {
		d := testkit.Recv(t, dead, "a dead letter")
		if !errors.Is(d.Reason, remote.ErrNodeUnreachable) || d.Message != (Seq{From: "during", N: n}) {
			t.Fatalf("dead letter %d: %+v", n, d)
		}
	}
	// Down for ReconnectGiveUp with nothing left, the peer may already have
	// left the table (and its counts with it).
	if st := statsOf(a, b.node.Addr()); st.Sent != 0 && (st.Sent != k+1 || st.Dropped != k || st.Uncertain != 0) {
		t.Fatalf("stats %+v", st)
	}
	select {
	case d := <-dead:
		t.Fatalf("a dead letter too many: %+v", d)
	default:
	}
	proxy.Heal()
	// Once given up, a failed dial makes dead letters of what waits at
	// once. A dial begun before the heal, or one whose 200 ms handshake a
	// loaded host cannot finish, may still fail: the message then comes
	// back as a dead letter, and the test sends again. What never comes
	// back either way is lost unseen, and fails the test.
	arrived := false
	for try := 0; try < 5 && !arrived; try++ {
		if err := a.sys.Send(b.pid("sink"), Seq{From: "after", N: try}); err != nil {
			t.Fatal(err)
		}
		select {
		case <-sink.tick:
			arrived = true
		case d := <-dead:
			if !errors.Is(d.Reason, remote.ErrNodeUnreachable) || d.Message != (Seq{From: "after", N: try}) {
				t.Fatalf("after the partition, dead letter %+v", d)
			}
			t.Logf("try %d after the heal: %v", try, d.Reason)
		case <-time.After(testkit.WaitLimit):
			t.Fatalf("after the partition, try %d neither arrived nor came back", try)
		}
	}
	if !arrived || len(sink.seqs("during")) != 0 {
		t.Fatalf("after the partition: %d messages, %d from during it", sink.n.Load(), len(sink.seqs("during")))
	}
}
