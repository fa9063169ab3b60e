package actor

import (
	"context"
	"errors"

	"github.com/troupe-go/troupe/mailbox"
)

// Context is what Receive gets with each message: the message, who sent it,
// and the operations an actor performs on itself and on others. It is valid
// only during the Receive call it was given to, and only on the actor's own
// goroutine.
type Context struct {
	proc   *process
	msg    any
	sender *PID
	reply  *Future
}

// Message returns the message being handled: a user message, or one of the
// lifecycle values Started, Stopping, Stopped and Terminated.
func (c *Context) Message() any { return c.msg }

// Sender returns the PID of the actor that sent the message, or the zero PID
// when it came from outside any actor (System.Send, System.Request).
func (c *Context) Sender() PID { return pidOf(c.sender) }

// Self returns the actor's own PID.
func (c *Context) Self() PID { return c.proc.pid() }

// Parent returns the PID of the actor that spawned this one, or the zero PID
// for a top-level actor.
func (c *Context) Parent() PID {
	if c.proc.parent == nil {
		return PID{}
	}
	return c.proc.parent.pid()
}

// System returns the system the actor belongs to.
func (c *Context) System() *System { return c.proc.sys }

// Context returns a context cancelled when the actor is asked to stop, so
// that long work in Receive can end cooperatively. A handler that keeps
// running past the system's stop grace is reported (see WithStopGrace).
func (c *Context) Context() context.Context { return c.proc.context() }

// Respond answers the message being handled: it completes the waiting
// request of System.Request or RequestFuture, or sends v to the sender
// actor. It returns ErrNoSender when there is no one to answer, and
// ErrAnswered when the request was already answered or abandoned (its
// caller timed out); v then becomes a dead letter.
func (c *Context) Respond(v any) error {
	if c.reply != nil {
		if !c.reply.complete(v, nil) {
			c.proc.sys.deadLetter(PID{}, envelope{msg: v, sender: &c.proc.self}, ErrAnswered)
			return ErrAnswered
		}
		return nil
	}
	if c.sender == nil || c.sender.IsZero() {
		if v != nil {
			c.proc.sys.deadLetter(PID{}, envelope{msg: v, sender: &c.proc.self}, ErrNoSender)
		}
		return ErrNoSender
	}
	return c.Send(*c.sender, v)
}

// Send sends msg to pid with this actor as its sender. When the target's
// mailbox is full and blocks, Send waits until there is room or this actor
// is asked to stop. Beware of cycles: two actors that block sending to each
// other's full mailboxes wait forever; use TrySend or a drop policy there.
func (c *Context) Send(pid PID, msg any) error {
	return c.send(pid, msg)
}

// TrySend sends msg to pid with this actor as its sender, never waiting.
func (c *Context) TrySend(pid PID, msg any) error {
	return c.proc.sys.send(context.Background(), false, pid, msg, &c.proc.self, nil)
}

// Request sends msg to pid with this actor as its sender; the answer, if
// any, arrives later as an ordinary message.
func (c *Context) Request(pid PID, msg any) error {
	return c.send(pid, msg)
}

// send looks the target up once. A full Block mailbox is waited on with the
// actor's context, made only then: most sends never need it. What is rare
// (another node, no such actor, a full mailbox) is handled out of line, so
// that a send keeps the actor's stack small: a frame too many, and every
// actor goroutine's stack grows on its first send.
func (c *Context) send(pid PID, msg any) error {
	p := c.proc
	if msg == nil {
		return ErrNilMessage
	}
	target, t, err := p.sys.route(pid)
	if err == nil && t == nil {
		if err = target.mbox.TryPut(envelope{msg: msg, sender: &p.self}); err == nil {
			target.schedule()
			return nil
		}
	}
	return c.sendSlow(pid, msg, err)
}

// sendSlow is the rest of send: to another node, to no actor, or to a
// mailbox that refused the message with err. It looks pid up again rather
// than take more arguments than fit in registers.
//
//go:noinline
func (c *Context) sendSlow(pid PID, msg any, err error) error {
	p := c.proc
	s := p.sys
	target, t, rerr := s.route(pid)
	switch {
	case t != nil:
		return t.Send(p.context(), true, pid, p.self, msg, Reply{})
	case target == nil:
		if rerr == ErrNotFound {
			s.deadLetter(pid, envelope{msg: msg, sender: &p.self}, ErrNotFound)
		}
		return rerr
	case errors.Is(err, mailbox.ErrFull) && target.mbox.Overflow() == mailbox.Block:
		return s.put(p.context(), true, target, msg, &p.self, nil)
	case errors.Is(err, mailbox.ErrFull):
		return err
	}
	// Closed, or not there a moment ago: put tries once more, and makes
	// the dead letter if it must.
	return s.put(context.Background(), false, target, msg, &p.self, nil)
}

// Spawn starts a child of this actor. Children stop before their parent.
// It returns ErrStopping while the actor is stopping.
func (c *Context) Spawn(producer Producer, opts ...Option) (PID, error) {
	if c.proc.stopping() {
		return PID{}, ErrStopping
	}
	return c.proc.sys.spawn(c.proc, producer, opts)
}

// SpawnFunc starts a child of this actor whose Receive is f.
func (c *Context) SpawnFunc(f func(c *Context), opts ...Option) (PID, error) {
	if f == nil {
		return PID{}, ErrNilProducer
	}
	return c.Spawn(func() Actor { return ReceiveFunc(f) }, opts...)
}

// Children returns the PIDs of the running children, in spawn order.
func (c *Context) Children() []PID {
	kids := c.proc.children()
	pids := make([]PID, len(kids))
	for i, ch := range kids {
		pids[i] = ch.pid()
	}
	return pids
}

// Stop asks the actor pid to stop after its current message. An actor that
// stops itself this way ends normally: it is restarted only when its
// supervisor's restart type is supervisor.Permanent, as in OTP.
func (c *Context) Stop(pid PID) error {
	if pid == c.proc.pid() {
		c.proc.pushSystem(sysMsg{kind: sysExit})
		return nil
	}
	return c.proc.sys.Stop(pid)
}
