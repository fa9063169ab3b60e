package remote_test

import (
	"context"
	"errors"
	"net"
	"syscall"
	"testing"
	"time"

	"github.com/troupe-go/troupe/actor"
	"github.com/troupe-go/troupe/actortest"
	"github.com/troupe-go/troupe/internal/testkit"
	"github.com/troupe-go/troupe/remote"
	"github.com/troupe-go/troupe/remote/server"
)

// A node that stops says goodbye: the other node's watchers of its actors
// get Terminated with ErrNodeDown, the requests pending on it fail at
// once; its own System goes on, and its local actors still answer.
func TestNodeStopSystemGoesOn(t *testing.T) {
	nodes := startNodes(t, 2, remote.Config{})
	a, b := nodes[0], nodes[1]
	spawn(t, b.sys, "echo", echoActor)
	hold := make(chan struct{})
	defer close(hold)
	spawn(t, b.sys, "slow", func(c *actor.Context) {
		if _, ok := c.Message().(Ping); ok {
			<-hold
		}
	})
	w := actortest.NewProbe(t, a.sys)
	w.Watch(b.pid("echo"))
	failed := make(chan error, 1)
	go func() {
		_, err := a.sys.Request(context.Background(), b.pid("slow"), Ping{})
		failed <- err
	}()
	// Once echo answers, the request to slow has been written before it.
	if _, err := a.sys.Request(context.Background(), b.pid("echo"), Ping{}); err != nil {
		t.Fatal(err)
	}
	if err := b.node.Stop(context.Background()); err != nil {
		t.Fatalf("Stop = %v", err)
	}
	testkit.Recv(t, b.node.Done(), "Done")
	if err := b.node.Stop(context.Background()); err != nil {
		t.Fatalf("second Stop = %v", err)
	}
	if err := testkit.Recv(t, failed, "the pending request"); !errors.Is(err, remote.ErrNodeDown) || !errors.Is(err, actor.ErrNoReply) {
		t.Fatalf("pending Request = %v, want ErrNodeDown", err)
	}
	if m := w.ExpectTerminated(b.pid("echo")); !errors.Is(m.Reason, remote.ErrNodeDown) {
		t.Fatalf("Terminated = %+v, want ErrNodeDown", m)
	}
	if _, err := b.sys.Request(context.Background(), actor.PID{ID: "echo"}, Ping{N: 1}); err != nil {
		t.Fatalf("local Request after the node stopped = %v", err)
	}
	if err := b.sys.Send(a.pid("x"), Ping{}); !errors.Is(err, actor.ErrNoTransport) {
		t.Fatalf("remote Send after Stop = %v, want ErrNoTransport", err)
	}
	if b.sys.Address() != "" {
		t.Fatalf("Address after Stop = %q", b.sys.Address())
	}
	// a's node goes on: a request to b now fails at once (nothing listens).
	if _, err := a.sys.Request(context.Background(), b.pid("echo"), Ping{}); !errors.Is(err, remote.ErrNodeDown) {
		t.Fatalf("Request to a stopped node = %v, want ErrNodeDown", err)
	}
}

// A node that dies without a word is noticed when its connection closes:
// watchers are told once, pending requests fail.
func TestNodeDown(t *testing.T) {
	nodes := startNodes(t, 2, remote.Config{})
	a, b := nodes[0], nodes[1]
	spawn(t, b.sys, "one", func(*actor.Context) {})
	spawn(t, b.sys, "two", func(*actor.Context) {})
	spawn(t, b.sys, "mute", func(*actor.Context) {})
	w := actortest.NewProbe(t, a.sys)
	w.Watch(b.pid("one"), b.pid("two"))
	fut := a.sys.RequestFuture(b.pid("mute"), Ping{}, testkit.WaitLimit)
	spawn(t, b.sys, "echo", echoActor)
	a.sys.Request(context.Background(), b.pid("echo"), Ping{}) // the watches are made
	b.node.Close()
	seen := map[actor.PID]bool{}
	for range 2 {
		m := actortest.ExpectMsgType[actor.Terminated](w)
		if !errors.Is(m.Reason, remote.ErrNodeDown) || seen[m.PID] {
			t.Fatalf("Terminated %+v", m)
		}
		seen[m.PID] = true
	}
	w.ExpectNoMsg(0) // no second Terminated
	<-fut.Done()
	if _, err := fut.Result(); !errors.Is(err, actor.ErrNoReply) {
		t.Fatalf("pending request = %v", err)
	}
}

// A node that cannot be dialled is down for the System's subscribers too
// (a cluster's view suspects it at once), not only a node whose
// connection ends; and once, not at every attempt, until it is up.
func TestNodeDownOnFailedDial(t *testing.T) {
	dials := make(chan string, 100)
	refuse := func(ctx context.Context, addr string) (net.Conn, error) {
		select {
		case dials <- addr:
		default:
		}
		return nil, &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	}
	a := startNodeDialing(t, remote.Config{ReconnectMin: time.Millisecond, ReconnectMax: 2 * time.Millisecond}, refuse)
	const gone = "127.0.0.1:1" // never dialled for real: refuse answers
	downs := make(chan actor.NodeDown, 100)
	a.sys.Subscribe(func(ev actor.Event) {
		if d, ok := ev.(actor.NodeDown); ok {
			downs <- d
		}
	})
	if err := a.sys.Send(actor.PID{Address: gone, ID: "x"}, Ping{}); err != nil {
		t.Fatal(err)
	}
	d := testkit.Recv(t, downs, "NodeDown after a failed dial")
	if d.Address != gone || !errors.Is(d.Reason, remote.ErrNodeDown) || !errors.Is(d.Reason, syscall.ECONNREFUSED) {
		t.Fatalf("NodeDown %+v", d)
	}
	// Three more attempts: each begins after the last one's failure was
	// handled, and publishing is synchronous, so a second NodeDown would be
	// in the channel by now.
	for range 3 {
		testkit.Recv(t, dials, "another dial")
	}
	select {
	case d := <-downs:
		t.Fatalf("a second NodeDown while still down: %+v", d)
	default:
	}
}

// StopOn stops the node when its event is set; the process goes on.
func TestNodeStopOn(t *testing.T) {
	nodes := startNodes(t, 2, remote.Config{})
	a, b := nodes[0], nodes[1]
	spawn(t, b.sys, "echo", echoActor)
	ev := server.NewEvent()
	b.node.StopOn(ev)
	b.node.StopOn(server.NewEvent()) // never set: must not keep anything alive
	if _, err := a.sys.Request(context.Background(), b.pid("echo"), Ping{}); err != nil {
		t.Fatal(err)
	}
	ev.Set()
	testkit.Recv(t, b.node.Done(), "the node to stop")
	if _, err := b.sys.Request(context.Background(), actor.PID{ID: "echo"}, Ping{}); err != nil {
		t.Fatalf("local Request = %v", err)
	}
	if err := a.sys.Send(b.pid("echo"), Ping{}); err != nil {
		t.Fatalf("a queued send = %v (it is a dead letter later, not an error now)", err)
	}
}

// Sends after Stop began are refused; Close after Stop is harmless.
func TestNodeStopRefusesSends(t *testing.T) {
	nodes := startNodes(t, 2, remote.Config{})
	a, b := nodes[0], nodes[1]
	a.node.Close()
	if err := a.node.Close(); err != nil {
		t.Fatal(err)
	}
	if err := a.node.Stop(nil); !errors.Is(err, actor.ErrNilContext) { //nolint:staticcheck // testing the nil check
		t.Fatalf("Stop(nil) = %v", err)
	}
	if err := a.sys.Send(b.pid("x"), Ping{}); !errors.Is(err, actor.ErrNoTransport) {
		t.Fatalf("Send = %v", err)
	}
	// The System can take a new node.
	n, err := remote.Start(a.sys, remote.Config{Types: testTypes()})
	if err != nil {
		t.Fatal(err)
	}
	n.Close()
	if _, err := remote.Start(nil, remote.Config{}); !errors.Is(err, remote.ErrInvalidConfig) {
		t.Fatalf("Start(nil) = %v", err)
	}
	n2, err := remote.Start(b.sys, remote.Config{})
	if !errors.Is(err, actor.ErrTransportSet) {
		t.Fatalf("second node on one System = %v, %v", n2, err)
	}
}

// Subscribers hear when a node's connection comes up and when it is lost.
func TestNodeUpAndDownEvents(t *testing.T) {
	nodes := startNodes(t, 2, remote.Config{})
	a, b := nodes[0], nodes[1]
	events := make(chan actor.Event, 16)
	unsubscribe := a.sys.Subscribe(func(ev actor.Event) {
		switch ev.(type) {
		case actor.NodeUp, actor.NodeDown:
			events <- ev
		}
	})
	defer unsubscribe()
	spawn(t, b.sys, "echo", echoActor)
	if _, err := a.sys.Request(context.Background(), b.pid("echo"), Ping{}); err != nil {
		t.Fatal(err)
	}
	if ev := testkit.Recv(t, events, "NodeUp"); ev != (actor.NodeUp{Address: b.node.Addr()}) {
		t.Fatalf("event %+v, want NodeUp for %s", ev, b.node.Addr())
	}
	b.node.Close()
	ev := testkit.Recv(t, events, "NodeDown")
	down, ok := ev.(actor.NodeDown)
	if !ok || down.Address != b.node.Addr() || !errors.Is(down.Reason, remote.ErrNodeDown) {
		t.Fatalf("event %+v, want NodeDown for %s wrapping ErrNodeDown", ev, b.node.Addr())
	}
}
