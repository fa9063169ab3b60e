package actor

import (
	"context"
	"errors"
)

// Transport carries to other nodes what a System cannot deliver locally:
// every send, request, watch and stop whose PID names another node. A
// network layer implements it and installs it with SetTransport (package
// remote does so in Start); the actor package never imports one.
//
// Its methods are called on the caller's goroutine, often an actor's, so
// they must return quickly: queue the work, never hold a lock while waiting
// for the network. Nothing may be lost unseen: a message the Transport
// cannot carry is either refused with an error from Send, or becomes a dead
// letter it reports through Link.DeadLetter.
type Transport interface {
	// Send carries msg to target, an actor of another node, from sender, a
	// local actor or the zero PID. For a request, reply is not zero: the
	// Transport must complete it exactly once, with the answer or an error,
	// unless its caller stops waiting first (see Reply.OnDone). When wait
	// is true Send may wait for room in a full outbound queue until ctx is
	// done; when false it returns mailbox.ErrFull at once instead.
	Send(ctx context.Context, wait bool, target, sender PID, msg any, reply Reply) error

	// Watch asks that watcher, a local actor, receive Terminated once
	// target, an actor of another node, stops or can no longer be reached.
	Watch(target, watcher PID)

	// Unwatch cancels Watch.
	Unwatch(target, watcher PID)

	// Terminated tells watcher, an actor of another node, that target, a
	// local actor it watched, has stopped with reason.
	Terminated(watcher, target PID, reason error)

	// Stop asks target, an actor of another node, to stop: at once, or
	// after the messages already sent to it when poison is true.
	Stop(target PID, poison bool) error
}

// link is the installed transport and the address of this System on the
// network, swapped as one value.
type link struct {
	addr string
	t    Transport
}

// Link is what a Transport installed with SetTransport uses to reach the
// local actors of its System: it delivers what arrives from other nodes.
// Only the installer holds one.
type Link struct {
	s *System
	l *link
}

// ErrTransportSet is returned by SetTransport when the System already has
// a Transport.
var ErrTransportSet = errors.New("actor: a transport is already installed")

// SetTransport installs t, which carries everything addressed to a PID
// whose Address is neither empty nor addr, the System's own address on the
// network; a PID with Address addr is local. It returns the Link through
// which t delivers what arrives, and ErrTransportSet if another Transport
// is installed (Link.Detach removes it).
func (s *System) SetTransport(addr string, t Transport) (*Link, error) {
	if t == nil || addr == "" {
		return nil, errors.New("actor: SetTransport needs an address and a transport")
	}
	if s.stopped.Load() {
		return nil, ErrSystemStopped
	}
	l := &link{addr: addr, t: t}
	if !s.link.CompareAndSwap(nil, l) {
		return nil, ErrTransportSet
	}
	return &Link{s: s, l: l}, nil
}

// Address returns the System's address on the network, or "" when no
// Transport is installed.
func (s *System) Address() string {
	if l := s.link.Load(); l != nil {
		return l.addr
	}
	return ""
}

// Detach uninstalls the Link's Transport: from now on PIDs of other nodes
// get ErrNoTransport. It is idempotent.
func (k *Link) Detach() { k.s.link.CompareAndSwap(k.l, nil) }

// Deliver hands msg, which arrived from another node, to target, a local
// actor, as a send from sender would. It waits for room in a full Block
// mailbox until ctx is done. For a request, reply carries the answer back:
// make it with NewReply. Errors are those of SendContext; a target that does
// not exist makes a dead letter, and a request then completes its reply
// with an error wrapping ErrNoReply.
func (k *Link) Deliver(ctx context.Context, target, sender PID, msg any, reply Reply) error {
	if ctx == nil {
		return ErrNilContext
	}
	return k.s.send(ctx, true, k.s.asLocal(target), msg, senderRef(sender), reply.f)
}

// TryDeliver is Deliver that never waits: a full mailbox returns
// mailbox.ErrFull, whatever its policy, so that a reader serving many
// actors is never held up by one.
func (k *Link) TryDeliver(target, sender PID, msg any, reply Reply) error {
	return k.s.send(context.Background(), false, k.s.asLocal(target), msg, senderRef(sender), reply.f)
}

// Watch makes watcher, an actor of another node, a watcher of target, a
// local actor: when target stops, the Transport's Terminated is called. It
// returns ErrNotFound if target does not exist; the watcher is then told at
// once, by whoever called, as a Terminated with reason ErrNotFound.
func (k *Link) Watch(target, watcher PID) error {
	if !k.s.tell(k.s.asLocal(target), sysMsg{kind: sysWatch, pid: watcher}) {
		return ErrNotFound
	}
	return nil
}

// Unwatch cancels Watch.
func (k *Link) Unwatch(target, watcher PID) {
	k.s.tell(k.s.asLocal(target), sysMsg{kind: sysUnwatch, pid: watcher})
}

// Terminated tells watcher, a local actor, that target, an actor of another
// node that it watches, has stopped with reason (or that its node was lost).
// A watcher that has unwatched target since hears nothing.
func (k *Link) Terminated(watcher, target PID, reason error) {
	k.s.tell(k.s.asLocal(watcher), sysMsg{kind: sysTerminated, pid: target, reason: reason})
}

// Stop stops target, a local actor, at once or after the messages already
// queued (poison), on behalf of another node.
func (k *Link) Stop(target PID, poison bool) error {
	if poison {
		return k.s.Poison(k.s.asLocal(target))
	}
	return k.s.Stop(k.s.asLocal(target))
}

// NodeUp publishes NodeUp{addr} to the System's subscribers.
func (k *Link) NodeUp(addr string) { k.s.publish(NodeUp{Address: addr}) }

// NodeDown publishes NodeDown{addr, reason} to the System's subscribers.
func (k *Link) NodeDown(addr string, reason error) {
	k.s.publish(NodeDown{Address: addr, Reason: reason})
}

// DeadLetter reports a message the Transport could not carry: it is
// counted, published and logged as any dead letter, and a request is
// completed with an error wrapping ErrNoReply and reason.
func (k *Link) DeadLetter(target, sender PID, msg any, reply Reply, reason error) {
	k.s.deadLetter(target, envelope{msg: msg, sender: senderRef(sender), reply: reply.f}, reason)
}

// asLocal returns pid as the System names its own actors: with no Address.
func (s *System) asLocal(pid PID) PID {
	pid.Address = ""
	return pid
}

// canon returns pid with its Address cleared when it names this System, so
// that a PID keeps one form as a map key (watchers, watches).
func (s *System) canon(pid PID) PID {
	if pid.Address != "" {
		if l := s.link.Load(); l != nil && l.addr == pid.Address {
			pid.Address = ""
		}
	}
	return pid
}

// route finds where pid lives: a local process, or the Transport of its
// node. It is the one place where local and remote part ways.
func (s *System) route(pid PID) (*process, Transport, error) {
	if pid.ID == "" {
		return nil, nil, ErrZeroPID
	}
	if s.stopped.Load() {
		return nil, nil, ErrSystemStopped
	}
	if pid.Address != "" {
		l := s.link.Load()
		if l == nil {
			return nil, nil, ErrNoTransport
		}
		if pid.Address != l.addr {
			return nil, l.t, nil
		}
	}
	if p := s.lookup(pid.ID); p != nil {
		return p, nil, nil
	}
	return nil, nil, ErrNotFound
}

// transportOf returns the Transport that carries pid, or nil for a local
// PID (or none installed).
func (s *System) transportOf(pid PID) Transport {
	if pid.Address == "" {
		return nil
	}
	if l := s.link.Load(); l != nil && pid.Address != l.addr {
		return l.t
	}
	return nil
}

// senderRef returns a pointer to a copy of sender for an envelope, or nil for
// the zero PID: a message from another node carries its sender by value.
func senderRef(sender PID) *PID {
	if sender.IsZero() {
		return nil // and no allocation: the copy is made only below
	}
	c := sender
	return &c
}
