package remote_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/troupe-go/troupe/actor"
	"github.com/troupe-go/troupe/internal/testkit"
	"github.com/troupe-go/troupe/mailbox"
	"github.com/troupe-go/troupe/remote"
	"github.com/troupe-go/troupe/remote/wire"
)

// Many messages from several senders on one node to one actor on another
// arrive, each sender's in the order sent.
func TestNodeSendOrder(t *testing.T) {
	nodes := startNodes(t, 2, remote.Config{})
	a, b := nodes[0], nodes[1]
	const senders, each = 4, 5000
	got := make(chan any, senders*each)
	spawn(t, b.sys, "sink", collector(got))

	for s := range senders {
		from := fmt.Sprint("s", s)
		go func() {
			for i := range each {
				if err := a.sys.Send(b.pid("sink"), Seq{From: from, N: i}); err != nil {
					t.Errorf("Send: %v", err)
					return
				}
			}
		}()
	}
	next := map[string]int{}
	for range senders * each {
		m := testkit.Recv(t, got, "a message").(Seq)
		if m.N != next[m.From] {
			t.Fatalf("from %s: got %d, want %d", m.From, m.N, next[m.From])
		}
		next[m.From]++
	}
	s := settledStats(t, a, b.node.Addr())
	if s.Sent != senders*each || s.Delivered != senders*each || s.Queued != 0 || !s.Up || s.Connects != 1 {
		t.Fatalf("stats %+v", s)
	}
	if r := statsOf(b, a.node.Addr()); r.Received != senders*each {
		t.Fatalf("b received %d", r.Received)
	}
}

func TestNodeRequest(t *testing.T) {
	nodes := startNodes(t, 2, remote.Config{})
	a, b := nodes[0], nodes[1]
	spawn(t, b.sys, "echo", echoActor)
	ctx := context.Background()
	for i := range 100 {
		r, err := a.sys.Request(ctx, b.pid("echo"), Ping{N: i})
		if err != nil || r != (Pong{N: i}) {
			t.Fatalf("Request = %v, %v", r, err)
		}
	}
	// Built-in types need no registration.
	if r, err := a.sys.Request(ctx, b.pid("echo"), "hi"); err != nil || r != "hi" {
		t.Fatalf("Request(string) = %v, %v", r, err)
	}
	// A missing actor: the request fails at once, with ErrNotFound.
	if _, err := a.sys.Request(ctx, b.pid("ghost"), Ping{}); !errors.Is(err, actor.ErrNotFound) || !errors.Is(err, actor.ErrNoReply) {
		t.Fatalf("Request to a missing actor = %v, want ErrNotFound and ErrNoReply", err)
	}
	// An actor that does not answer.
	spawn(t, b.sys, "mute", func(*actor.Context) {})
	if _, err := a.sys.Request(ctx, b.pid("mute"), Ping{}); !errors.Is(err, actor.ErrNoReply) {
		t.Fatalf("unanswered Request = %v, want ErrNoReply", err)
	}
	fut := a.sys.RequestFuture(b.pid("echo"), Ping{N: 7}, testkit.WaitLimit)
	if r, err := fut.Result(); err != nil || r != (Pong{N: 7}) {
		t.Fatalf("RequestFuture = %v, %v", r, err)
	}
}

// A request whose caller stops waiting is forgotten, and its reply, when it
// comes, is a counted dead letter.
func TestNodeRequestAbandoned(t *testing.T) {
	nodes := startNodes(t, 2, remote.Config{})
	a, b := nodes[0], nodes[1]
	release := make(chan struct{})
	spawn(t, b.sys, "slow", func(c *actor.Context) {
		if m, ok := c.Message().(Ping); ok {
			<-release
			c.Respond(Pong(m))
		}
	})
	dead := deadLetters(t, a.sys)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := a.sys.Request(ctx, b.pid("slow"), Ping{N: 1}); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Request = %v, want DeadlineExceeded", err)
	}
	close(release)
	d := waitDeadLetter(t, dead, remote.ErrLateReply)
	if u, ok := d.Message.(remote.Undecoded); !ok || u.Type != "test.Pong" {
		t.Fatalf("late reply dead letter %+v", d)
	}
	if s := statsOf(a, b.node.Addr()); s.LateReplies != 1 {
		t.Fatalf("LateReplies = %d", s.LateReplies)
	}
}

// c.Request from an actor: the answer comes back as a message, with the
// answering actor as its sender.
func TestNodeContextRequest(t *testing.T) {
	nodes := startNodes(t, 2, remote.Config{})
	a, b := nodes[0], nodes[1]
	spawn(t, b.sys, "echo", echoActor)
	got := make(chan any, 2)
	spawn(t, a.sys, "asker", func(c *actor.Context) {
		switch m := c.Message().(type) {
		case actor.Started:
			if err := c.Request(b.pid("echo"), Ping{N: 3}); err != nil {
				got <- err
			}
		case Pong:
			got <- m
			got <- c.Sender()
		}
	})
	if m := testkit.Recv(t, got, "the answer"); m != (Pong{N: 3}) {
		t.Fatalf("got %v", m)
	}
	if s := testkit.Recv(t, got, "the sender"); s != b.pid("echo") {
		t.Fatalf("sender %v, want %v", s, b.pid("echo"))
	}
}

// Three nodes: each pair talks over its own connection.
func TestNodeThree(t *testing.T) {
	nodes := startNodes(t, 3, remote.Config{})
	for _, n := range nodes {
		spawn(t, n.sys, "echo", echoActor)
	}
	for i, from := range nodes {
		for j, to := range nodes {
			if i == j {
				continue
			}
			r, err := from.sys.Request(context.Background(), to.pid("echo"), Ping{N: 10*i + j})
			if err != nil || r != (Pong{N: 10*i + j}) {
				t.Fatalf("%d→%d: %v, %v", i, j, r, err)
			}
		}
	}
	for _, n := range nodes {
		if st := n.node.Stats(); len(st) != 2 || !st[0].Up || !st[1].Up {
			t.Fatalf("stats %+v", st)
		}
	}
}

// A type the sender has not registered is refused at the sender; a type
// the receiver has not registered is a dead letter there, and a request
// of it fails with ErrUnknownType.
func TestNodeUnknownTypes(t *testing.T) {
	partial := remote.NewTypes()
	remote.Register[Ping](partial, "test.Ping")
	remote.Register[Pong](partial, "test.Pong")
	a := startNode(t, remote.Config{})               // knows Secret
	b := startNode(t, remote.Config{Types: partial}) // does not
	got := make(chan any, 4)
	spawn(t, b.sys, "sink", collector(got))
	spawn(t, a.sys, "sink", collector(got))
	dead := deadLetters(t, b.sys)

	type unregistered struct{ X int }
	if err := a.sys.Send(b.pid("sink"), unregistered{1}); !errors.Is(err, remote.ErrUnknownType) {
		t.Fatalf("Send(unregistered) = %v, want ErrUnknownType", err)
	}
	if err := a.sys.Send(b.pid("sink"), Secret{"x"}); err != nil {
		t.Fatal(err)
	}
	d := waitDeadLetter(t, dead, remote.ErrUnknownType)
	if u, ok := d.Message.(remote.Undecoded); !ok || u.Type != "test.Secret" || d.Target.ID != "sink" {
		t.Fatalf("dead letter %+v", d)
	}
	_, err := a.sys.Request(context.Background(), b.pid("sink"), Secret{"y"})
	if !errors.Is(err, remote.ErrUnknownType) || !errors.Is(err, actor.ErrNoReply) {
		t.Fatalf("Request(unknown there) = %v, want ErrUnknownType", err)
	}
	var re *remote.Error
	if !errors.As(err, &re) || re.Node != b.node.Addr() {
		t.Fatalf("error %v is not a *remote.Error from b", err)
	}
	// The connection survives, and known types still pass.
	if err := a.sys.Send(b.pid("sink"), Ping{N: 5}); err != nil {
		t.Fatal(err)
	}
	if m := testkit.Recv(t, got, "a ping"); m != (Ping{N: 5}) {
		t.Fatalf("got %v", m)
	}
	if s := statsOf(b, a.node.Addr()); s.Undecodable != 2 {
		t.Fatalf("b's Undecodable = %d, want 2", s.Undecodable)
	}
	// An answer of a type b cannot send back fails the request.
	spawn(t, b.sys, "leaker", func(c *actor.Context) {
		if _, ok := c.Message().(Ping); ok {
			c.Respond(Seq{N: 1})
		}
	})
	if _, err := a.sys.Request(context.Background(), b.pid("leaker"), Ping{}); !errors.Is(err, remote.ErrUnknownType) {
		t.Fatalf("Request answered with an unregistered type = %v", err)
	}
}

// A message that cannot be written is its own failure: a dead letter (and
// a failed request), while the connection and the other messages go on.
func TestNodeTooLargeToSend(t *testing.T) {
	a := startNode(t, remote.Config{MaxFrameSize: 4096})
	b := startNode(t, remote.Config{MaxFrameSize: 4096})
	spawn(t, b.sys, "echo", echoActor)
	dead := deadLetters(t, a.sys)
	huge := Secret{Text: strings.Repeat("x", 5000)}
	if err := a.sys.Send(b.pid("echo"), huge); err != nil {
		t.Fatal(err)
	}
	if d := waitDeadLetter(t, dead, wire.ErrFrameTooLarge); d.Target != b.pid("echo") {
		t.Fatalf("dead letter %+v", d)
	}
	if _, err := a.sys.Request(context.Background(), b.pid("echo"), huge); !errors.Is(err, wire.ErrFrameTooLarge) {
		t.Fatalf("Request = %v, want ErrFrameTooLarge", err)
	}
	stillServes(t, a, b)
	// An answer too large to send back fails the request.
	if _, err := b.sys.Request(context.Background(), a.pid("echo"), Ping{}); !errors.Is(err, actor.ErrNotFound) {
		t.Fatalf("no echo on a: %v", err)
	}
	spawn(t, b.sys, "big", func(c *actor.Context) {
		if _, ok := c.Message().(Ping); ok {
			c.Respond(huge)
		}
	})
	if _, err := a.sys.Request(context.Background(), b.pid("big"), Ping{}); !errors.Is(err, wire.ErrFrameTooLarge) {
		t.Fatalf("Request answered too large = %v, want ErrFrameTooLarge", err)
	}
	if s := settledStats(t, a, b.node.Addr()); s.Sent != s.Delivered+s.Dropped || s.Dropped != 2 {
		t.Fatalf("stats %+v", s)
	}
}

// Under a drop policy a full queue makes dead letters with ErrQueueFull;
// under Reject a send gets mailbox.ErrFull.
func TestNodeQueuePolicies(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	nowhere := ln.Addr().String()
	ln.Close() // nothing listens there: the messages wait in the queue
	gone := actor.PID{Address: nowhere, ID: "x"}

	a := startNode(t, remote.Config{OutboundQueue: 2, Overflow: mailbox.DropNewest})
	dead := deadLetters(t, a.sys)
	for i := range 5 {
		if err := a.sys.Send(gone, Ping{N: i}); err != nil {
			t.Fatal(err)
		}
	}
	for range 3 {
		waitDeadLetter(t, dead, remote.ErrQueueFull)
	}
	r := startNode(t, remote.Config{OutboundQueue: 2, Overflow: mailbox.Reject})
	var full int
	for i := range 5 {
		if err := r.sys.Send(gone, Ping{N: i}); errors.Is(err, mailbox.ErrFull) {
			full++
		}
	}
	if full != 3 {
		t.Fatalf("%d sends refused, want 3", full)
	}
}
