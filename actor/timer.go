package actor

// Timers owned by an actor: a message sent later, or every interval, that
// dies with the actor instance that scheduled it.

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/troupe-go/troupe/mailbox"
)

// Timer is a message scheduled by an actor with Context.SendAfter,
// SendAfterTo or SendEvery. It belongs to the actor instance that made it:
// a stop or a restart of that actor stops it, so a restarted instance never
// receives its predecessor's ticks.
//
// A Timer's message goes to the target's mailbox like any other and follows
// its overflow policy: under Block the tick waits for room (and is withdrawn
// if the timer stops meanwhile), under Reject it becomes a dead letter with
// reason mailbox.ErrFull, under the drop policies the dropped message is a
// dead letter. A tick is never lost unseen.
//
// A periodic timer keeps at most one tick waiting in the target's mailbox:
// a period that ends while its tick still waits adds nothing (the ticks
// coalesce into the waiting one), and the next tick is due on the original
// schedule. A slow actor therefore sees fewer ticks, never a pile of them.
//
// The methods of a nil *Timer do nothing.
type Timer struct {
	owner *process
	set   *timerSet // the owner's live timers
	to    PID
	msg   any
	every time.Duration // 0: once
	err   error         // why the timer never started
	tk    tick          // what travels in the mailbox, reused: at most one waits

	state  atomic.Int32 // timerArmed, timerDone or timerStopped
	queued atomic.Bool  // a tick is in a mailbox, or waiting for room in one

	mu     sync.Mutex // guards the fields below
	timer  *time.Timer
	next   time.Time          // a periodic timer's next due time
	cancel context.CancelFunc // ends a tick's wait for room
}

const (
	timerArmed   int32 = iota // may still deliver
	timerDone                 // a one-shot timer's message was handled or dead-lettered
	timerStopped              // stopped: its waiting tick, if any, is withdrawn
)

// tick is what a timer puts in a mailbox. Its type is unexported, so no
// user message can be mistaken for one; the receive loop unwraps it.
//
// A tick with no Timer is a receipt (Batch.AddReceipt): it is never
// handled, and calls received when it leaves the mailbox, however it does.
type tick struct {
	t        *Timer
	received func()
	left     atomic.Bool // a receipt's: received has been called
}

// SendAfter sends msg to this actor after d (at once if d <= 0), with the
// actor as its sender. The returned Timer stops with the actor instance:
// see Timer.
func (c *Context) SendAfter(d time.Duration, msg any) *Timer {
	return c.proc.newTimer(c.proc.pid(), d, 0, msg)
}

// SendAfterTo sends msg to pid after d (at once if d <= 0), with this actor
// as its sender. The Timer stops with this actor, not with pid's. For an
// actor of another node, a tick already handed to the network when the
// timer stops still arrives.
func (c *Context) SendAfterTo(pid PID, d time.Duration, msg any) *Timer {
	return c.proc.newTimer(pid, d, 0, msg)
}

// SendEvery sends msg to this actor every d, the first time after d, until
// the Timer is stopped or the actor stops or restarts. Behind a slow actor
// ticks coalesce: at most one waits in the mailbox (see Timer). A d of zero
// or less makes a stopped Timer whose Err is ErrInterval.
func (c *Context) SendEvery(d time.Duration, msg any) *Timer {
	if d <= 0 {
		return &Timer{err: ErrInterval}
	}
	return c.proc.newTimer(c.proc.pid(), d, d, msg)
}

// Stop stops the timer. Called by the actor that made it, it guarantees
// that its Receive will not see the timer's message from then on, even a
// tick already queued; a tick that another actor has already begun to
// handle cannot be taken back. It reports whether the timer was still to
// deliver: false when it had already stopped, or a one-shot timer's
// message was handled (or became a dead letter).
func (t *Timer) Stop() bool {
	if t == nil || !t.state.CompareAndSwap(timerArmed, timerStopped) {
		return false
	}
	t.halt()
	t.set.remove(t)
	return true
}

// Err returns why the timer never started: ErrNilMessage, ErrZeroPID,
// ErrInterval, or ErrStopping when it was made while its actor stops. It is
// nil for a timer that started, stopped or not.
func (t *Timer) Err() error {
	if t == nil {
		return nil
	}
	return t.err
}

// halt stops the clock and ends a tick's wait for room; the state is
// already timerStopped or timerDone.
func (t *Timer) halt() {
	t.mu.Lock()
	if t.timer != nil {
		t.timer.Stop()
	}
	if t.cancel != nil {
		t.cancel()
	}
	t.mu.Unlock()
}

func (p *process) newTimer(to PID, d, every time.Duration, msg any) *Timer {
	t := &Timer{owner: p, to: to, msg: msg, every: every}
	t.tk.t = t
	switch {
	case msg == nil:
		t.err = ErrNilMessage
	case to.IsZero():
		t.err = ErrZeroPID
	case p.stopping():
		t.err = ErrStopping
	default:
		t.set = p.timerSet()
		if !t.set.add(t) {
			t.err = ErrStopping
		}
	}
	if t.err != nil {
		t.state.Store(timerStopped)
		return t
	}
	t.mu.Lock()
	if every > 0 {
		t.next = time.Now().Add(d)
	}
	t.timer = time.AfterFunc(d, t.fire)
	t.mu.Unlock()
	return t
}

// fire runs on the timer's own goroutine when it is due.
func (t *Timer) fire() {
	t.mu.Lock()
	if t.state.Load() != timerArmed {
		t.mu.Unlock()
		return
	}
	if t.every > 0 {
		// Due again on the schedule; periods already missed are skipped.
		now := time.Now()
		for !t.next.After(now) {
			t.next = t.next.Add(t.every)
		}
		t.timer.Reset(t.next.Sub(now))
	}
	t.mu.Unlock()
	if !t.queued.CompareAndSwap(false, true) {
		return // a tick still waits: this one coalesces into it
	}
	t.deliver()
}

// deliver puts a tick in the target's mailbox by its overflow policy.
func (t *Timer) deliver() {
	s, sender := t.owner.sys, &t.owner.self
	p, tr, err := s.route(t.to)
	if tr != nil {
		// Another node: the plain message, which the Transport carries or
		// dead-letters; a tick in the network cannot be withdrawn.
		ctx, done := t.waitContext()
		err = tr.Send(ctx, true, t.to, *sender, t.msg, Reply{})
		done()
		if err != nil && t.state.Load() == timerArmed {
			s.deadLetter(t.to, envelope{msg: t.msg, sender: sender}, err)
		}
		t.settle(err, false)
		return
	}
	if err != nil {
		// Gone (ErrNotFound), or nowhere to go: a send would return the
		// error, and there is nobody to return it to.
		s.deadLetter(t.to, envelope{msg: &t.tk, sender: sender}, err)
		return
	}
	err = s.put(context.Background(), false, p, &t.tk, sender, nil)
	if errors.Is(err, mailbox.ErrFull) && p.mbox.Overflow() == mailbox.Block {
		ctx, done := t.waitContext()
		err = s.put(ctx, true, p, &t.tk, sender, nil)
		done()
	}
	if errors.Is(err, mailbox.ErrFull) {
		// Reject: the tick is refused, so it is a dead letter.
		s.deadLetter(t.to, envelope{msg: &t.tk, sender: sender}, mailbox.ErrFull)
		return
	}
	t.settle(err, true)
}

// settle ends a delivery that did not leave a tick in a mailbox (or a dead
// letter, which settles through take): the next period may try again.
func (t *Timer) settle(err error, local bool) {
	if err == nil && local {
		return // queued: the receive loop takes it
	}
	t.queued.Store(false)
	if t.every == 0 && t.state.CompareAndSwap(timerArmed, timerDone) {
		t.set.remove(t)
	}
}

// waitContext returns a context that ends when the timer stops, for a tick
// that waits for room.
func (t *Timer) waitContext() (context.Context, func()) {
	ctx, cancel := context.WithCancel(context.Background())
	t.mu.Lock()
	t.cancel = cancel
	t.mu.Unlock()
	if t.state.Load() != timerArmed {
		cancel() // stopped before the cancel was in place
	}
	return ctx, func() {
		t.mu.Lock()
		t.cancel = nil
		t.mu.Unlock()
		cancel()
	}
}

// take is called when a tick leaves a mailbox, for Receive or as a dead
// letter. It returns the timer's message and whether it still counts: a
// stopped timer's tick is withdrawn, neither handled nor a dead letter.
func (tk *tick) take() (any, bool) {
	t := tk.t
	if t == nil {
		if !tk.left.Swap(true) {
			tk.received()
		}
		return nil, false
	}
	t.queued.Store(false)
	if t.every > 0 {
		return t.msg, t.state.Load() == timerArmed
	}
	if !t.state.CompareAndSwap(timerArmed, timerDone) {
		return t.msg, false
	}
	t.set.remove(t) // its own lock only: take may run under a mailbox's
	return t.msg, true
}

// untick returns the message a mailbox entry carries, unwrapping a timer's
// tick, and whether it is to be handled.
func untick(msg any) (any, bool) {
	if tk, ok := msg.(*tick); ok {
		return tk.take()
	}
	return msg, true
}

// timerSet is the live timers of an actor instance.
type timerSet struct {
	mu     sync.Mutex
	live   map[*Timer]struct{}
	closed bool // the actor stops: no new timer
}

// timerSet returns the actor's timers, made on first use.
func (p *process) timerSet() *timerSet {
	p.mu.Lock()
	defer p.mu.Unlock()
	e := p.extra()
	if e.clocks == nil {
		e.clocks = &timerSet{live: make(map[*Timer]struct{})}
	}
	return e.clocks
}

func (ts *timerSet) add(t *Timer) bool {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if ts.closed {
		return false
	}
	ts.live[t] = struct{}{}
	return true
}

func (ts *timerSet) remove(t *Timer) {
	if ts == nil {
		return // the timer never started
	}
	ts.mu.Lock()
	delete(ts.live, t)
	ts.mu.Unlock()
}

// stopTimers stops every timer of the instance: at a restart, and for good
// (final) when the actor stops, after which no timer can be made.
func (p *process) stopTimers(final bool) {
	e := p.ext.Load()
	if e == nil {
		return // never made a timer; a stopping actor makes none (newTimer)
	}
	p.mu.Lock()
	ts := e.clocks
	p.mu.Unlock()
	if ts == nil {
		return
	}
	ts.mu.Lock()
	ts.closed = ts.closed || final
	live := ts.live
	ts.live = make(map[*Timer]struct{})
	ts.mu.Unlock()
	for t := range live {
		if t.state.CompareAndSwap(timerArmed, timerStopped) {
			t.halt()
		}
	}
}
