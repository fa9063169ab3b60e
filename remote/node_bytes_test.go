package remote_test

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/troupe-go/troupe/actor"
	"github.com/troupe-go/troupe/internal/testkit"
	"github.com/troupe-go/troupe/mailbox"
	"github.com/troupe-go/troupe/remote"
	"github.com/troupe-go/troupe/remote/wire"
)

// nowhere returns the PID of an actor on an address where nothing
// listens: what is sent to it waits in the queue (for ReconnectGiveUp).
func nowhere(t *testing.T) actor.PID {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return actor.PID{Address: addr, ID: "x"}
}

// The outbound queue is bounded in bytes as well as in messages: with the
// defaults (4096 messages, 64 MiB), messages of 1 MiB waiting for a peer
// fill it at the 63rd, and every policy then does what it does for a full
// queue: Reject and TrySend refuse with mailbox.ErrFull, a Block send
// waits until its deadline, the drop policies make dead letters with
// ErrQueueFull. The same value sent again and again costs the sender
// nothing: what the bound guards is what the node holds once the payloads
// differ, or are encoded.
func TestNodeQueueBytes(t *testing.T) {
	big := Secret{Text: strings.Repeat("x", 1<<20)}
	const fit = 63 // 64 × (1 MiB + a frame's header) passes 64 MiB
	const sends = fit + 5
	refusals := func(t *testing.T, send func(*testNode, actor.PID) error, overflow mailbox.Overflow, want error) *testNode {
		a := startNode(t, remote.Config{Overflow: overflow})
		gone := nowhere(t)
		for i := range sends {
			err := send(a, gone)
			switch {
			case i < fit && err != nil:
				t.Fatalf("send %d: %v", i, err)
			case i >= fit && !errors.Is(err, want):
				t.Fatalf("send %d over the bytes: %v, want %v", i, err, want)
			}
		}
		return a
	}
	trySend := func(a *testNode, to actor.PID) error { return a.sys.TrySend(to, big) }
	t.Run("Reject", func(t *testing.T) {
		refusals(t, trySend, mailbox.Reject, mailbox.ErrFull)
	})
	t.Run("TrySend", func(t *testing.T) {
		refusals(t, trySend, mailbox.Block, mailbox.ErrFull)
	})
	t.Run("Block until the deadline", func(t *testing.T) {
		refusals(t, func(a *testNode, to actor.PID) error {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
			defer cancel()
			return a.sys.SendContext(ctx, to, big)
		}, mailbox.Block, context.DeadlineExceeded)
	})
	for _, overflow := range []mailbox.Overflow{mailbox.DropNewest, mailbox.DropOldest} {
		t.Run(overflow.String(), func(t *testing.T) {
			a := startNode(t, remote.Config{Overflow: overflow})
			dead := deadLetters(t, a.sys)
			gone := nowhere(t)
			for i := range sends {
				if err := a.sys.Send(gone, Seq{From: big.Text, N: i}); err != nil {
					t.Fatalf("send %d: %v", i, err)
				}
			}
			for i := fit; i < sends; i++ {
				if d := waitDeadLetter(t, dead, remote.ErrQueueFull); d.Message.(Seq).N != i {
					t.Fatalf("dead letter %+v, want message %d", d.Message.(Seq).N, i)
				}
			}
			select {
			case d := <-dead:
				t.Fatalf("one dead letter too many: %v", d.Reason)
			default:
			}
		})
	}
}

// The bytes come back as the writer writes: a Block send that waited for
// them goes through once the peer is reachable, everything arrives in
// order, and the queue weighs nothing once written. The payload is not a
// plain struct, so it is weighed by encoding it when sent.
func TestNodeQueueBytesComeBack(t *testing.T) {
	gate := make(chan struct{})
	dial := func(ctx context.Context, addr string) (net.Conn, error) {
		select {
		case <-gate:
			var d net.Dialer
			return d.DialContext(ctx, "tcp", addr)
		default:
			return nil, errors.New("not yet")
		}
	}
	cfg := remote.Config{MaxFrameSize: 64 << 10, OutboundBytes: 256 << 10, ReconnectMin: 5 * time.Millisecond, ReconnectMax: 20 * time.Millisecond}
	a := startNodeDialing(t, cfg, dial)
	b := startNode(t, cfg)
	got := make(chan any, 16)
	spawn(t, b.sys, "sink", collector(got))
	tag := strings.Repeat("t", 60<<10)
	const fit = 4 // 4 × 60 KiB, and a fifth passes 256 KiB
	for i := range fit {
		if err := a.sys.TrySend(b.pid("sink"), Tagged{N: i, Tags: []string{tag}}); err != nil {
			t.Fatalf("send %d: %v", i, err)
		}
	}
	if err := a.sys.TrySend(b.pid("sink"), Tagged{N: -1, Tags: []string{tag}}); !errors.Is(err, mailbox.ErrFull) {
		t.Fatalf("TrySend over the bytes: %v, want mailbox.ErrFull", err)
	}
	s := statsOf(a, b.node.Addr())
	if s.QueueBytesFull != 1 || s.QueuedBytes <= fit*60<<10 || s.QueuedBytes > 256<<10 {
		t.Fatalf("stats %+v", s)
	}
	sent := make(chan error, 1)
	go func() { sent <- a.sys.Send(b.pid("sink"), Tagged{N: fit, Tags: []string{tag}}) }()
	deadline := time.Now().Add(testkit.WaitLimit)
	for statsOf(a, b.node.Addr()).QueueBytesFull != 2 { // the Send waits for room
		if time.Now().After(deadline) {
			t.Fatal("the Send did not find the queue full")
		}
		time.Sleep(time.Millisecond)
	}
	close(gate)
	if err := testkit.Recv(t, sent, "the waiting Send"); err != nil {
		t.Fatal(err)
	}
	for want := range fit + 1 {
		if m := testkit.Recv(t, got, "a message").(Tagged); m.N != want || m.Tags[0] != tag {
			t.Fatalf("got message %d, want %d", m.N, want)
		}
	}
	if s := settledStats(t, a, b.node.Addr()); s.QueuedBytes != 0 || s.Delivered != fit+1 {
		t.Fatalf("stats %+v", s)
	}
}

// A peer cannot fill a mailbox with frames of MaxFrameSize: the payload
// bytes of its messages that wait in local mailboxes are bounded
// (Config.InboundBytes, 64 MiB). Past the bound the node stops reading
// from it for half the heartbeat timeout; a message that still does not
// fit is a dead letter. Once the actor takes what it was given, the bytes
// are given back.
func TestNodeInboundBytes(t *testing.T) {
	a := startNode(t, remote.Config{Cookie: hostileCookie, HeartbeatInterval: 100 * time.Millisecond, HeartbeatTimeout: 600 * time.Millisecond})
	dead := deadLetters(t, a.sys)
	entered, release := make(chan struct{}, 1), make(chan struct{})
	got := make(chan any, 64)
	spawn(t, a.sys, "blocker", func(c *actor.Context) {
		if m, ok := c.Message().(Seq); ok {
			if m.N == 0 {
				entered <- struct{}{}
				<-release
			}
			got <- m.N
		}
	})
	h, err := dialAs(t, a.node.Addr(), "127.0.0.1:1")
	if err != nil {
		t.Fatal(err)
	}
	big := strings.Repeat("x", 2<<20)
	const fit, sends = 31, 33 // 32 × (2 MiB + a header) passes 64 MiB
	go func() {               // frame by frame, so that the peer is never silent for long
		e := wire.NewEncoder(4 << 20)
		for i := range sends {
			if err := e.AppendMessage(&wire.Message{Target: "blocker", Type: "test.Seq"}, Seq{From: big, N: i}); err != nil {
				t.Error(err)
				return
			}
			if _, err := e.WriteTo(h.conn); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	var once sync.Once
	unblock := func() { once.Do(func() { close(release) }) }
	t.Cleanup(unblock) // before the node and its System stop
	testkit.Recv(t, entered, "the first message")
	t.Cleanup(func() {
		if t.Failed() {
			t.Log(a.logs.String())
		}
	})
	for i := fit; i < sends; i++ {
		if d := waitDeadLetter(t, dead, remote.ErrInboundFull); d.Message.(Seq).N != i {
			t.Fatalf("dead letter of message %d, want %d", d.Message.(Seq).N, i)
		}
	}
	s := statsOf(a, "127.0.0.1:1")
	if s.InboundBytesFull != sends-fit || s.InboundBytes < fit*2<<20 || s.InboundBytes > 64<<20 {
		t.Fatalf("stats %+v", s)
	}
	unblock()
	for want := range fit {
		if n := testkit.Recv(t, got, "a message"); n != want {
			t.Fatalf("got message %d, want %d", n, want)
		}
	}
	deadline := time.Now().Add(testkit.WaitLimit)
	for statsOf(a, "127.0.0.1:1").InboundBytes != 0 { // the receipt follows the last message
		if time.Now().After(deadline) {
			t.Fatalf("the bytes never came back: %+v", statsOf(a, "127.0.0.1:1"))
		}
		time.Sleep(time.Millisecond)
	}
}

// Answers waiting for a peer are bounded in bytes too: a peer that sends
// requests and never reads the replies cannot make the node hold more than
// OutboundBytes of them; the session ends (ErrQueueFull) before the
// heartbeat timeout would end it.
func TestNodeRepliesBounded(t *testing.T) {
	a := startNode(t, remote.Config{Cookie: hostileCookie, HeartbeatInterval: time.Second, HeartbeatTimeout: 20 * time.Second})
	spawn(t, a.sys, "echo", echoActor)
	h, err := dialAs(t, a.node.Addr(), "127.0.0.1:1")
	if err != nil {
		t.Fatal(err)
	}
	big := strings.Repeat("x", 1<<20)
	go func() { // requests, frame by frame; never a read
		e := wire.NewEncoder(4 << 20)
		for i := range 100 {
			if err := e.AppendMessage(&wire.Message{Target: "echo", Type: "test.Secret", RequestID: uint64(i + 1)}, Secret{Text: big}); err != nil {
				t.Error(err)
				return
			}
			if _, err := e.WriteTo(h.conn); err != nil {
				return // the node closed the connection
			}
		}
	}()
	waitLog(t, a, "control frames waiting")
}

// Boxed holds an interface: neither wire.PlainCodec nor wire.Sizer can
// weigh it, so it is encoded when sent.
type Boxed struct{ V any }

// A payload weighed by encoding it arrives as any other; one that cannot
// be encoded is a dead letter at once, with the encoder's reason.
func TestNodeEncodedWhenSent(t *testing.T) {
	types := testTypes()
	remote.Register[Boxed](types, "test.Boxed")
	cfg := remote.Config{Types: types}
	a, b := startNode(t, cfg), startNode(t, cfg)
	dead := deadLetters(t, a.sys)
	got := make(chan any, 2)
	spawn(t, b.sys, "sink", collector(got))
	if err := a.sys.Send(b.pid("sink"), Boxed{V: "inside"}); err != nil {
		t.Fatal(err)
	}
	if m := testkit.Recv(t, got, "the message").(Boxed); m.V != "inside" {
		t.Fatalf("got %+v", m)
	}
	if err := a.sys.Send(b.pid("sink"), Boxed{V: make(chan int)}); err != nil {
		t.Fatal(err)
	}
	waitDeadLetter(t, dead, wire.ErrPayload)
	if s := settledStats(t, a, b.node.Addr()); s.Sent != 2 || s.Delivered != 1 || s.Dropped != 1 || s.QueuedBytes != 0 {
		t.Fatalf("stats %+v", s)
	}
}
