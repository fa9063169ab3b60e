package actor_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/troupe-go/troupe/actor"
	"github.com/troupe-go/troupe/actortest"
	"github.com/troupe-go/troupe/mailbox"
)

// pipe is a fake Transport joining two Systems in one process, as a network
// node would: what one side's runtime hands it is delivered through the
// other side's Link. It proves the seam before any network exists.
type pipe struct {
	addr string // this side's address
	self *actor.Link
	peer *pipe

	mu       sync.Mutex
	pending  int // requests carried and not yet complete
	unwatch  []actor.PID
	refuse   error // when set, Send fails with it
	sendCall int
}

// joined returns two Systems, "a" and "b", joined by pipes.
func joined(t *testing.T) (a, b *actor.System, pa, pb *pipe) {
	a, b = newSystem(t), newSystem(t)
	pa, pb = &pipe{addr: "a"}, &pipe{addr: "b"}
	pa.peer, pb.peer = pb, pa
	var err error
	if pa.self, err = a.SetTransport("a", pa); err != nil {
		t.Fatal(err)
	}
	if pb.self, err = b.SetTransport("b", pb); err != nil {
		t.Fatal(err)
	}
	return a, b, pa, pb
}

// from names a local PID as the other node sees it.
func (p *pipe) from(pid actor.PID) actor.PID {
	if pid.IsZero() || pid.Address != "" {
		return pid
	}
	return actor.PID{Address: p.addr, ID: pid.ID}
}

func (p *pipe) Send(ctx context.Context, wait bool, target, sender actor.PID, msg any, reply actor.Reply) error {
	p.mu.Lock()
	p.sendCall++
	refuse := p.refuse
	p.mu.Unlock()
	if refuse != nil {
		return refuse
	}
	var back actor.Reply
	if !reply.IsZero() {
		p.mu.Lock()
		p.pending++
		p.mu.Unlock()
		reply.OnDone(func() {
			p.mu.Lock()
			p.pending--
			p.mu.Unlock()
		})
		back = actor.NewReply(func(v any, err error) { reply.Complete(v, err) })
	}
	if wait {
		return p.peer.self.Deliver(ctx, target, p.from(sender), msg, back)
	}
	return p.peer.self.TryDeliver(target, p.from(sender), msg, back)
}

func (p *pipe) Watch(target, watcher actor.PID) {
	if err := p.peer.self.Watch(target, p.from(watcher)); err != nil {
		p.self.Terminated(watcher, target, err)
	}
}

func (p *pipe) Unwatch(target, watcher actor.PID) {
	p.mu.Lock()
	p.unwatch = append(p.unwatch, target)
	p.mu.Unlock()
	p.peer.self.Unwatch(target, p.from(watcher))
}

func (p *pipe) Terminated(watcher, target actor.PID, reason error) {
	p.peer.self.Terminated(watcher, p.from(target), reason)
}

func (p *pipe) Stop(target actor.PID, poison bool) error {
	return p.peer.self.Stop(target, poison)
}

func (p *pipe) inFlight() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.pending
}

// A send to another node's actor arrives with its sender named as the other
// node sees it, and the answer finds its way back by that name.
func TestTransportSendAndRespond(t *testing.T) {
	a, b, _, _ := joined(t)
	got := make(chan any, 4)
	echo, _ := b.SpawnFunc(func(c *actor.Context) {
		if m, ok := c.Message().(string); ok {
			got <- c.Sender()
			c.Respond(m + "!")
		}
	}, actor.WithName("echo"))
	asker, _ := a.SpawnFunc(func(c *actor.Context) {
		switch m := c.Message().(type) {
		case actor.Started:
			if err := c.Send(actor.PID{Address: "b", ID: echo.ID}, "hi"); err != nil {
				got <- err
			}
		case string:
			got <- m
		}
	}, actor.WithName("asker"))
	if s := receive(t, got); s != (actor.PID{Address: "a", ID: asker.ID}) {
		t.Fatalf("b saw sender %v, want asker@a", s)
	}
	if m := receive(t, got); m != "hi!" {
		t.Fatalf("a got %v, want hi!", m)
	}
}

func TestTransportRequest(t *testing.T) {
	a, b, pa, _ := joined(t)
	release := make(chan struct{})
	b.SpawnFunc(func(c *actor.Context) {
		switch c.Message() {
		case "ping":
			c.Respond("pong")
		case "hang":
			<-release
		}
	}, actor.WithName("ponger"))
	remote := actor.PID{Address: "b", ID: "ponger"}
	ctx := context.Background()
	if r, err := a.Request(ctx, remote, "ping"); err != nil || r != "pong" {
		t.Fatalf("Request = %v, %v", r, err)
	}
	if _, err := a.Request(ctx, remote, "ignored"); !errors.Is(err, actor.ErrNoReply) {
		t.Fatalf("unanswered remote Request = %v, want ErrNoReply", err)
	}
	if _, err := a.Request(ctx, actor.PID{Address: "b", ID: "ghost"}, "ping"); !errors.Is(err, actor.ErrNotFound) {
		t.Fatalf("Request to a missing remote actor = %v, want ErrNotFound", err)
	}
	// A caller that stops waiting lets the transport forget the request.
	short, cancel := context.WithTimeout(ctx, 10*time.Millisecond)
	defer cancel()
	if _, err := a.Request(short, remote, "hang"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Request = %v, want DeadlineExceeded", err)
	}
	if n := pa.inFlight(); n != 0 {
		t.Fatalf("%d requests still pending in the transport", n)
	}
	close(release)
	fut := a.RequestFuture(remote, "ping", time.Second)
	if r, err := fut.Result(); err != nil || r != "pong" {
		t.Fatalf("RequestFuture = %v, %v", r, err)
	}
}

func TestTransportWatchAndStop(t *testing.T) {
	a, b, _, _ := joined(t)
	target, _ := b.SpawnFunc(func(*actor.Context) {}, actor.WithName("target"))
	remote := actor.PID{Address: "b", ID: target.ID}
	ghost := actor.PID{Address: "b", ID: "ghost"}
	probe := actortest.NewProbe(t, a)
	probe.Watch(remote, ghost)
	if m := probe.ExpectTerminated(ghost); !errors.Is(m.Reason, actor.ErrNotFound) {
		t.Fatalf("Terminated = %+v, want ghost@b with ErrNotFound", m)
	}
	if err := a.Stop(remote); err != nil {
		t.Fatal(err)
	}
	if m := probe.ExpectTerminated(remote); m.Reason != nil {
		t.Fatalf("Terminated = %+v, want target@b, normal stop", m)
	}
	if _, err := a.Wait(context.Background(), remote); !errors.Is(err, actor.ErrNotLocal) {
		t.Fatalf("Wait on a remote PID = %v, want ErrNotLocal", err)
	}
}

// A watcher that stops tells the other node to forget it.
func TestTransportWatcherThatStopsUnwatches(t *testing.T) {
	a, b, pa, _ := joined(t)
	b.SpawnFunc(func(*actor.Context) {}, actor.WithName("target"))
	remote := actor.PID{Address: "b", ID: "target"}
	watching := make(chan struct{})
	w, _ := a.SpawnFunc(func(c *actor.Context) {
		if _, ok := c.Message().(actor.Started); ok {
			c.Watch(remote)
			close(watching)
		}
	})
	<-watching
	a.Stop(w)
	a.Wait(context.Background(), w)
	pa.mu.Lock()
	defer pa.mu.Unlock()
	if len(pa.unwatch) != 1 || pa.unwatch[0] != remote {
		t.Fatalf("unwatched %v, want [%v]", pa.unwatch, remote)
	}
}

func TestTransportSeamEdges(t *testing.T) {
	a, _, pa, _ := joined(t)
	if _, err := a.SetTransport("a", pa); !errors.Is(err, actor.ErrTransportSet) {
		t.Fatalf("second SetTransport = %v, want ErrTransportSet", err)
	}
	if a.Address() != "a" {
		t.Fatalf("Address = %q", a.Address())
	}
	// A PID that names this node's own address is local.
	got := make(chan any, 8)
	a.SpawnFunc(recorder(got), actor.WithName("me"))
	receive(t, got) // Started
	if err := a.Send(actor.PID{Address: "a", ID: "me"}, 1); err != nil {
		t.Fatal(err)
	}
	if m := receive(t, got); m != 1 {
		t.Fatalf("got %v", m)
	}
	if pa.sendCall != 0 {
		t.Fatal("a send to our own address went through the transport")
	}
	// The transport's refusal is the caller's error.
	pa.mu.Lock()
	pa.refuse = mailbox.ErrFull
	pa.mu.Unlock()
	if err := a.TrySend(actor.PID{Address: "b", ID: "x"}, 1); !errors.Is(err, mailbox.ErrFull) {
		t.Fatalf("TrySend = %v, want the transport's ErrFull", err)
	}
	pa.self.Detach()
	pa.self.Detach() // idempotent
	for name, err := range map[string]error{
		"Send": a.Send(actor.PID{Address: "b", ID: "x"}, 1),
		"Stop": a.Stop(actor.PID{Address: "b", ID: "x"}),
	} {
		if !errors.Is(err, actor.ErrNoTransport) {
			t.Errorf("%s after Detach = %v, want ErrNoTransport", name, err)
		}
	}
	if _, err := a.SetTransport("a", nil); err == nil {
		t.Fatal("SetTransport(nil) accepted")
	}
}
