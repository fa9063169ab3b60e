package remote_test

import (
	"context"
	"crypto/tls"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/troupe-go/troupe/actor"
	"github.com/troupe-go/troupe/actortest"
	"github.com/troupe-go/troupe/internal/testkit"
	"github.com/troupe-go/troupe/mailbox"
	"github.com/troupe-go/troupe/remote"
	"github.com/troupe-go/troupe/remote/server"
)

// pipeNet is actortest's in-process network of nodes, for tests under
// testing/synctest, where real sockets cannot be waited on; the node tests
// see its nodes as testNodes.
type pipeNet struct{ *actortest.Network }

func newPipeNet(t *testing.T) pipeNet { return pipeNet{actortest.NewNetwork(t)} }

// node starts a node named addr on the network with cfg, its log in the
// testNode's buffer.
func (pn pipeNet) node(t *testing.T, addr string, cfg remote.Config) *testNode {
	t.Helper()
	tn := &testNode{logs: new(testkit.LogBuffer)}
	cfg.Types, cfg.Logger = testTypes(), tn.logs.Logger()
	n := pn.Node(addr, cfg)
	tn.sys, tn.node = n.System.System, n.Node
	return tn
}

// An idle connection stays up on heartbeats; a peer that goes silent is
// declared down after HeartbeatTimeout, and its watchers are told.
func TestNodeHeartbeats(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		pn := newPipeNet(t)
		a := pn.node(t, "a:1", remote.Config{})
		b := pn.node(t, "b:1", remote.Config{})
		spawn(t, b.sys, "echo", echoActor)
		w := actortest.NewProbe(t, a.sys)
		w.Watch(b.pid("echo"))
		stillServes(t, a, b)

		time.Sleep(time.Minute) // idle: only heartbeats flow
		synctest.Wait()
		if s := statsOf(a, "b:1"); !s.Up || s.Connects != 1 || s.FramesReceived < 55 {
			t.Fatalf("after an idle minute: %+v", s)
		}
		w.ExpectNoMsg(0) // no Terminated while idle

		pn.Drop("b:1", "a:1") // a hears nothing more from b
		start := time.Now()
		m := actortest.ExpectMsgType[actor.Terminated](w)
		if !errors.Is(m.Reason, remote.ErrNodeDown) || !errors.Is(m.Reason, remote.ErrHeartbeatTimeout) {
			t.Fatalf("Terminated = %+v, want ErrNodeDown after ErrHeartbeatTimeout", m)
		}
		if d := time.Since(start); d < remote.DefaultHeartbeatTimeout || d > remote.DefaultHeartbeatTimeout+remote.DefaultHeartbeatInterval {
			t.Fatalf("declared down after %v", d)
		}
	})
}

// Messages for a node that cannot be reached wait in the bounded queue;
// after ReconnectGiveUp they become dead letters, and senders blocked on
// the full queue go on. Requests and watches fail at the first failed dial.
func TestNodeReconnectGiveUp(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		pn := newPipeNet(t)
		a := pn.node(t, "a:1", remote.Config{OutboundQueue: 4, ReconnectGiveUp: 2 * time.Second})
		dead := deadLetters(t, a.sys)
		gone := actor.PID{Address: "gone:1", ID: "x"}
		if _, err := a.sys.Request(context.Background(), gone, Ping{}); !errors.Is(err, remote.ErrNodeDown) {
			t.Fatalf("Request = %v, want ErrNodeDown", err)
		}
		w := actortest.NewProbe(t, a.sys)
		w.Watch(gone)
		if m := actortest.ExpectMsgType[actor.Terminated](w); !errors.Is(m.Reason, remote.ErrNodeDown) {
			t.Fatalf("Terminated = %+v", m)
		}

		start := time.Now()
		sent := make(chan error)
		go func() {
			for i := range 10 {
				if err := a.sys.Send(gone, Ping{N: i}); err != nil {
					sent <- err
					return
				}
			}
			sent <- nil
		}()
		if err := testkit.Recv(t, sent, "the sends"); err != nil {
			t.Fatal(err)
		}
		for range 11 { // the ten, and the failed request, still queued
			waitDeadLetter(t, dead, remote.ErrNodeUnreachable)
		}
		if d := time.Since(start); d < 2*time.Second {
			t.Fatalf("gave up after %v", d)
		}
		if s := statsOf(a, "gone:1"); s.Sent != 11 || s.Dropped != 11 || s.Queued != 0 { // the request counts too
			t.Fatalf("stats %+v", s)
		}
	})
}

// A connection that never completes the handshake is closed at the
// handshake deadline, and the node serves others meanwhile.
func TestNodeHandshakeTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		pn := newPipeNet(t)
		b := pn.node(t, "b:1", remote.Config{})
		spawn(t, b.sys, "echo", echoActor)
		a := pn.node(t, "a:1", remote.Config{})
		mute, err := pn.Dial("mute:1", "b:1")
		if err != nil {
			t.Fatal(err)
		}
		defer mute.Close()
		start := time.Now()
		stillServes(t, a, b)
		buf := make([]byte, 1)
		if _, err := mute.Read(buf); err == nil {
			t.Fatal("read from a connection that should be closed")
		}
		if d := time.Since(start); d != server.DefaultHandshakeTimeout {
			t.Fatalf("closed after %v, want %v", d, server.DefaultHandshakeTimeout)
		}
		waitLog(t, b, "handshake failed")
	})
}

// An actor that does not take its messages holds the connection up for
// half the heartbeat timeout at most: its messages then become dead
// letters, and the connection, and the other actors, go on.
func TestNodeStuckActor(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		pn := newPipeNet(t)
		a := pn.node(t, "a:1", remote.Config{})
		b := pn.node(t, "b:1", remote.Config{})
		hold := make(chan struct{})
		defer close(hold)
		_, err := b.sys.SpawnFunc(func(c *actor.Context) {
			if _, ok := c.Message().(Ping); ok {
				<-hold
			}
		}, actor.WithName("stuck"), actor.WithMailboxSize(1))
		if err != nil {
			t.Fatal(err)
		}
		spawn(t, b.sys, "echo", echoActor)
		stillServes(t, a, b)
		dead := deadLetters(t, b.sys)
		start := time.Now()
		for i := range 4 { // one handled, one queued, two with no room
			if err := a.sys.Send(b.pid("stuck"), Ping{N: i}); err != nil {
				t.Fatal(err)
			}
		}
		for i := range 2 {
			waitDeadLetter(t, dead, mailbox.ErrFull)
			if d, want := time.Since(start), time.Duration(i+1)*remote.DefaultHeartbeatTimeout/2; d != want {
				t.Fatalf("dead letter %d after %v, want %v", i, d, want)
			}
		}
		stillServes(t, a, b)
		if s := statsOf(a, "b:1"); !s.Up || s.Connects != 1 {
			t.Fatalf("the connection did not survive: %+v", s)
		}
	})
}

// A node that restarts on the same address comes back with a new
// incarnation: its first connection replaces the old one at once, even
// before the old one is noticed dead; the watchers of the old run are told,
// and sends reach the new run.
func TestNodePeerRestarts(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		pn := newPipeNet(t)
		a := pn.node(t, "a:1", remote.Config{})
		old := pn.node(t, "b:1", remote.Config{})
		spawn(t, old.sys, "echo", echoActor)
		spawn(t, a.sys, "echo", echoActor)
		w := actortest.NewProbe(t, a.sys)
		w.Watch(old.pid("echo"))
		stillServes(t, a, old)

		// The new run takes over the address; the old one still runs.
		fresh := pn.node(t, "b:1", remote.Config{})
		spawn(t, fresh.sys, "who", func(c *actor.Context) {
			if _, ok := c.Message().(Ping); ok {
				c.Respond("fresh")
			}
		})
		stillServes(t, fresh, a) // the new run dials a
		m := actortest.ExpectMsgType[actor.Terminated](w)
		if m.PID != old.pid("echo") || !errors.Is(m.Reason, remote.ErrNodeDown) {
			t.Fatalf("Terminated = %+v", m)
		}
		if r, err := a.sys.Request(context.Background(), fresh.pid("who"), Ping{}); err != nil || r != "fresh" {
			t.Fatalf("Request to the new run = %v, %v", r, err)
		}
		if s := statsOf(a, "b:1"); s.Connects != 2 || !s.Up {
			t.Fatalf("stats %+v", s)
		}
	})
}

// Messages queued for a run of a peer are not delivered to its next run:
// they become dead letters (ErrNodeDown) when the new run connects, and
// what is sent afterwards reaches the new run.
func TestNodeNoMessagesToTheNextRun(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		pn := newPipeNet(t)
		a := pn.node(t, "a:1", remote.Config{})
		old := pn.node(t, "b:1", remote.Config{})
		spawn(t, old.sys, "echo", echoActor)
		spawn(t, a.sys, "echo", echoActor)
		stillServes(t, a, old)
		// The old run may answer before it acknowledges: it holds its Ack
		// up to 2 ms for company. Replaced before that Ack is read, the
		// session would leave the request Uncertain too, as the spec says
		// of every Message frame no Ack covered, answered or not: the
		// test, not the accounting, was wrong to count on the Ack.
		for statsOf(a, "b:1").Delivered != 1 {
			time.Sleep(time.Millisecond)
		}
		dead := deadLetters(t, a.sys)

		pn.Stall("a:1", "b:1") // a's writes to the old run hang
		a.sys.Send(old.pid("sink"), Ping{N: 0})
		synctest.Wait() // the writer is stuck with it: what a sends now stays queued
		for i := range 4 {
			a.sys.Send(old.pid("sink"), Ping{N: i + 1})
		}

		fresh := pn.node(t, "b:1", remote.Config{})
		got := make(chan any, 16)
		spawn(t, fresh.sys, "sink", collector(got))
		stillServes(t, fresh, a) // the new run dials a and replaces the old connection
		stale := 0
		for stale < 4 { // the first is in the stalled write: uncertain
			if d := waitDeadLetter(t, dead, remote.ErrNodeDown); d.Target == fresh.pid("sink") {
				stale++
			}
		}
		a.sys.Send(fresh.pid("sink"), Ping{N: 99})
		if m := testkit.Recv(t, got, "a message to the new run"); m != (Ping{N: 99}) {
			t.Fatalf("the new run got %v", m)
		}
		s := statsOf(a, "b:1")
		if s.Uncertain != 1 || s.Dropped != 4 {
			t.Fatalf("stats %+v", s)
		}
	})
}

// TestNodeTLSWithinHandshakeTimeout: TLS and the troupe handshake share one
// HandshakeTimeout, counted from the connection's arrival: a client that
// takes most of it for TLS, then says nothing, is dropped when it ends,
// not one more timeout later.
func TestNodeTLSWithinHandshakeTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cert := testkit.NewCert(t)
		pn := newPipeNet(t)
		pn.node(t, "a:1", remote.Config{TLS: cert.Server(), HandshakeTimeout: 4 * time.Second})
		start := time.Now()
		raw, err := pn.Dial("client:1", "a:1")
		if err != nil {
			t.Fatal(err)
		}
		defer raw.Close()
		time.Sleep(3 * time.Second) // a slow client
		conn := tls.Client(raw, cert.Client())
		if err := conn.Handshake(); err != nil {
			t.Fatalf("TLS: %v", err)
		}
		if _, err := conn.Read(make([]byte, 1)); err == nil {
			t.Fatal("the node wrote before the client's Hello")
		}
		if d := time.Since(start); d != 4*time.Second {
			t.Errorf("dropped after %v, want HandshakeTimeout, 4s, from the connection's start", d)
		}
	})
}
