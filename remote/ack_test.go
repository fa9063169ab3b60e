package remote_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"testing"
	"testing/synctest"
	"time"

	"github.com/troupe-go/troupe/actor"
	"github.com/troupe-go/troupe/internal/testkit"
	"github.com/troupe-go/troupe/remote"
	"github.com/troupe-go/troupe/remote/wire"
)

// checkIdentity fails the test unless s adds up: every message handed to
// the node is delivered, uncertain, dropped, queued or in flight.
func checkIdentity(t testing.TB, s remote.PeerStats) {
	t.Helper()
	if s.Delivered+s.Uncertain+s.Dropped+s.Queued+s.InFlight != s.Sent {
		t.Fatalf("the counts do not add up: %+v", s)
	}
}

// stopCleanly connects a to b (a request to b's echo: a stop before the
// first connection would make dead letters of everything), sends n
// messages from a to b's sink and stops a at once: the stop drains the queue, says goodbye and
// waits for b's last Ack, so nothing is left uncertain, and b has every
// message.
func stopCleanly(t *testing.T, a, b *testNode, n int) {
	t.Helper()
	stillServes(t, a, b)
	for i := range n {
		if err := a.sys.Send(b.pid("sink"), Seq{From: "a", N: i}); err != nil {
			t.Fatalf("send %d: %v", i, err)
		}
		if i%100 == 0 {
			checkIdentity(t, statsOf(a, b.node.Addr()))
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), testkit.WaitLimit)
	defer cancel()
	if err := a.node.Stop(ctx); err != nil {
		t.Fatalf("Stop = %v", err)
	}
	s := statsOf(a, b.node.Addr())
	checkIdentity(t, s)
	if s.Sent != uint64(n)+1 || s.Delivered != s.Sent || s.Uncertain != 0 || s.Dropped != 0 || s.Queued != 0 || s.InFlight != 0 {
		t.Fatalf("after a clean stop: %+v", s)
	}
	// b's peer entry for a went with the connection (b never used it), so
	// b's sink counts what arrived.
	deadline := time.Now().Add(testkit.WaitLimit)
	for b.sunk.Load() != uint64(n) {
		if time.Now().After(deadline) {
			t.Fatalf("b's sink got %d messages, a counts %d delivered", b.sunk.Load(), s.Delivered)
		}
		time.Sleep(time.Millisecond)
	}
}

// sinkAndEcho spawns on tn an echo actor and a sink that drops what it
// gets.
func sinkAndEcho(t testing.TB, tn *testNode) {
	spawn(t, tn.sys, "echo", echoActor)
	spawn(t, tn.sys, "sink", func(c *actor.Context) {
		if _, ok := c.Message().(Seq); ok {
			tn.sunk.Add(1)
		}
	})
}

// A node stopped while a stream flows ends with Delivered = Sent and
// nothing uncertain: the peer acknowledges what it read before the
// goodbye, and the stop waits for that.
func TestNodeStopDeliversEverything(t *testing.T) {
	for round := range 5 {
		t.Run(fmt.Sprint(round), func(t *testing.T) {
			nodes := startNodes(t, 2, remote.Config{})
			a, b := nodes[0], nodes[1]
			sinkAndEcho(t, b)
			stopCleanly(t, a, b, 2000)
		})
	}
}

// A peer that keeps sending to a stopping node still answers its goodbye
// at once: its Ack goes ahead of the stream, so the stop does not wait for
// its context, and leaves nothing uncertain.
func TestNodeStopWhilePeerSends(t *testing.T) {
	nodes := startNodes(t, 2, remote.Config{})
	a, b := nodes[0], nodes[1]
	sinkAndEcho(t, a)
	sinkAndEcho(t, b)
	ctx, cancel := context.WithCancel(context.Background())
	flowing, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; ctx.Err() == nil; i++ {
			if i == 1000 {
				close(flowing)
			}
			b.sys.SendContext(ctx, a.pid("sink"), Seq{From: "b", N: i})
		}
	}()
	<-flowing
	stopCleanly(t, a, b, 1000)
	cancel()
	<-done
}

// The same over net.Pipe, in a bubble: a pipe has no half close, so the
// peer's Ack after the goodbye is all the stop waits for before its EOF.
func TestNodeStopDeliversEverythingPipe(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		pn := newPipeNet(t)
		a := pn.node(t, "a:1", remote.Config{})
		b := pn.node(t, "b:1", remote.Config{})
		sinkAndEcho(t, b)
		stopCleanly(t, a, b, 500)
	})
}

// A peer that cannot write its last Ack does not hold a stop forever: its
// writer is stuck, its heartbeat monitor ends the session, and what it
// read but never acknowledged is uncertain on the stopping node.
func TestNodeStopPeerCannotAck(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		pn := newPipeNet(t)
		a := pn.node(t, "a:1", remote.Config{})
		b := pn.node(t, "b:1", remote.Config{})
		sinkAndEcho(t, a)
		sinkAndEcho(t, b)
		stillServes(t, b, a) // b dials: its side of the connection can stall
		synctest.Wait()
		pn.Stall("b:1", "a:1") // b's writes, its Acks included, hang
		for i := range 10 {
			if err := a.sys.Send(b.pid("sink"), Seq{From: "a", N: i}); err != nil {
				t.Fatal(err)
			}
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		start := time.Now()
		if err := a.node.Stop(ctx); err != nil {
			t.Fatalf("Stop = %v\nA:\n%s\nB:\n%s", err, a.logs.String(), b.logs.String())
		}
		// b's monitor gives up on its stuck write after HeartbeatTimeout
		// (3 s), noticed at a tick (1 s).
		if d := time.Since(start); d > 5*time.Second {
			t.Fatalf("Stop took %v", d)
		}
		s := statsOf(a, "b:1")
		checkIdentity(t, s)
		if s.Sent != 10 || s.Delivered != 0 || s.Uncertain != 10 {
			t.Fatalf("stats %+v", s)
		}
		if r := statsOf(b, "a:1"); r.Received != 10 {
			t.Fatalf("b read %d: they did arrive", r.Received)
		}
	})
}

// Config.StopTimeout bounds a Stop whose context has no deadline, as the
// server's stop timeout does: the stop turns forced when it runs out.
func TestNodeStopTimeoutBoundsStop(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		pn := newPipeNet(t)
		a := pn.node(t, "a:1", remote.Config{StopTimeout: 500 * time.Millisecond})
		b := pn.node(t, "b:1", remote.Config{})
		sinkAndEcho(t, a)
		sinkAndEcho(t, b)
		stillServes(t, b, a)
		synctest.Wait()
		pn.Stall("b:1", "a:1") // b cannot acknowledge: a's stop waits for nothing that comes
		if err := a.sys.Send(b.pid("sink"), Seq{From: "a", N: 0}); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		err := a.node.Stop(context.Background())
		if !errors.Is(err, remote.ErrStopTimeout) {
			t.Fatalf("Stop = %v, want ErrStopTimeout", err)
		}
		if d := time.Since(start); d != 500*time.Millisecond {
			t.Fatalf("Stop took %v, want the StopTimeout, 500ms", d)
		}
	})
}

// ackPeer is a fake node that has completed the handshake with tn as the
// node at addr, for a test to write Acks of its own.
type ackPeer struct {
	conn net.Conn
	r    *wire.Reader
	e    *wire.Encoder
	addr string
}

func newAckPeer(t *testing.T, tn *testNode) *ackPeer {
	const addr = "127.0.0.1:1"
	conn := fakePeer(t, tn, addr, nil)
	return &ackPeer{conn: conn, r: wire.NewReader(conn, 0), e: wire.NewEncoder(0), addr: addr}
}

// ack writes an Ack of n.
func (p *ackPeer) ack(t *testing.T, n uint64) {
	t.Helper()
	p.e.AppendAck(&wire.Ack{Count: n})
	if _, err := p.e.WriteTo(p.conn); err != nil {
		t.Fatal(err)
	}
}

// readMessage reads frames until a Message, skipping Acks and heartbeats.
func (p *ackPeer) readMessage(t *testing.T) {
	t.Helper()
	for {
		f, err := p.r.ReadFrame()
		if err != nil {
			t.Fatalf("waiting for a Message: %v", err)
		}
		if f.Type == wire.FrameMessage {
			return
		}
	}
}

// An Ack that covers messages never written, or goes back on an earlier
// one, breaks the protocol: the node ends the session with ErrProtocol.
func TestNodeAckProtocolErrors(t *testing.T) {
	cases := []struct {
		name  string
		sent  int      // messages the node writes to the peer first
		acks  []uint64 // then the peer's Acks
		after uint64   // Delivered once the session has ended
	}{
		{"over what was written", 0, []uint64{1}, 0},
		{"over by one", 2, []uint64{3}, 0},
		{"backwards", 2, []uint64{2, 1}, 2},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tn := startNode(t, remote.Config{})
			events := nodeEvents(t, tn.sys)
			p := newAckPeer(t, tn)
			for i := range c.sent {
				if err := tn.sys.Send(actor.PID{Address: p.addr, ID: "x"}, Ping{N: i}); err != nil {
					t.Fatal(err)
				}
				p.readMessage(t)
			}
			for _, n := range c.acks {
				p.ack(t, n)
			}
			d := waitNodeDown(t, events, p.addr)
			if !errors.Is(d.Reason, remote.ErrProtocol) {
				t.Fatalf("NodeDown %v, want ErrProtocol", d.Reason)
			}
			expectClosed(t, p.conn)
			s := statsOf(tn, p.addr)
			checkIdentity(t, s)
			if s.Delivered != c.after || s.Uncertain != uint64(c.sent)-c.after {
				t.Fatalf("stats %+v", s)
			}
		})
	}
}
