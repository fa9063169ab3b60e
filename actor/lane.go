package actor

import "time"

// The system lane: stop, watch and supervision notices, unbounded and
// always served before user messages.

type sysKind uint8

const (
	sysStop         sysKind = iota + 1
	sysPoison               // stop once every message before mark is handled
	sysWatch                // pid watches us
	sysUnwatch              // pid no longer watches us
	sysTerminated           // pid, which we watch, stopped with reason
	sysChildStopped         // child has stopped
	sysFailed               // to a parent: child panicked with reason
	sysResume               // from the parent: go on with the next message
	sysHalt                 // from the parent: end the instance, then ack sysHalted
	sysHalted               // to a parent: child has ended its instance
	sysStart                // start a new instance (ack sysStarted to a parent)
	sysStarted              // to a parent: child has a new instance
	sysPlanResume           // to a parent: a restart plan's backoff is over
	sysExit                 // from the actor itself: it stops, or restarts if Permanent
	sysExited               // to a parent: child stopped itself normally
	sysRestart              // from the parent, one for one: a new instance after delay, no acknowledgement
)

// sysMsg travels in the system lane: unbounded, small, and always taken
// before user messages, so a full mailbox never delays a stop.
// Its two small fields sit together: a node is then 96 bytes, not 112.
type sysMsg struct {
	kind   sysKind
	solo   bool // sysStart: a restart nobody waits for; no acknowledgement
	pid    PID
	reason error
	mark   uint64
	child  *process
	plan   *restartPlan
	delay  time.Duration // sysRestart: the backoff before the new instance
}

// sysNode holds a system message in the lane, a lock-free stack that the
// actor empties all at once and reads oldest first. An idle actor's lane
// is one nil pointer; a lock and a slice there took 40 bytes of every actor.
type sysNode struct {
	m    sysMsg
	next *sysNode
}

// laneClosed tops the lane of an actor that has stopped: pushSystem
// refuses from then on. It is never changed.
var laneClosed = &sysNode{}

// pushSystem queues a system message; it returns false once the actor has
// stopped.
func (p *process) pushSystem(m sysMsg) bool {
	n := &sysNode{m: m}
	for {
		top := p.lane.Load()
		if top == laneClosed {
			return false
		}
		n.next = top
		if p.lane.CompareAndSwap(top, n) {
			break
		}
	}
	// The loop may sleep in waitSystem: it set waiting before it looked
	// at the lane, and we pushed before we look at waiting, so one of us
	// sees the other.
	if e := p.ext.Load(); e != nil && e.waiting.Load() {
		select {
		case e.wake <- struct{}{}:
		default:
		}
		return true
	}
	if p.sched.Load() != running {
		p.start(true)
	}
	return true
}

// systemPending reports whether the lane holds messages.
func (p *process) systemPending() bool {
	top := p.lane.Load()
	return top != nil && top != laneClosed
}

// takeSystem empties the lane, or closes it, and returns its messages
// oldest first.
func (p *process) takeSystem(close bool) *sysNode {
	var top *sysNode
	if close {
		top = p.lane.Swap(laneClosed)
	} else {
		top = p.lane.Swap(nil)
	}
	var first *sysNode
	for top != nil && top != laneClosed {
		next := top.next
		top.next = first
		first, top = top, next
	}
	return first
}

// waitSystem sleeps until a system message arrives, for a loop that waits
// for its children to stop. It may return early, with none.
func (p *process) waitSystem() {
	e := p.extra()
	if e.wake == nil {
		e.wake = make(chan struct{}, 1)
	}
	e.waiting.Store(true)
	if !p.systemPending() {
		<-e.wake
	}
	e.waiting.Store(false)
}

// handleSystem takes every queued system message and acts on it. A stop it
// decides on is left in stage (stageDecided) and stopCause. It is never
// re-entered: a loop that waits for its children to stop, as a restart
// does inside it, acts only on what the wait needs (holdSystem).
func (p *process) handleSystem() {
	for n := p.takeSystem(false); n != nil; n = n.next {
		p.handleOne(&n.m)
	}
}

// holdSystem is handleSystem for a loop that waits for its children to
// stop: it acts at once on what actWhileWaiting takes, and appends the other
// messages, in order, to the list from held to last, which the wait puts
// back under the lane when it ends (requeue).
func (p *process) holdSystem(held, last *sysNode) (*sysNode, *sysNode) {
	for n := p.takeSystem(false); n != nil; {
		next := n.next
		if !p.actWhileWaiting(&n.m) {
			n.next = nil
			if last == nil {
				held = n
			} else {
				last.next = n
			}
			last = n
		}
		n = next
	}
	return held, last
}

// actWhileWaiting acts on what a wait for children needs or must not hold
// back: a child's stop, a watch, a stop or poison of its own. It reports
// whether it is done with m. It never calls Receive, never decides for a
// child and never waits, so a wait is never entered twice.
func (p *process) actWhileWaiting(m *sysMsg) bool {
	switch m.kind {
	case sysChildStopped:
		p.removeChild(m.child)
		// A restart plan moves past the child only after the wait: moving
		// it may take a supervisor's decision.
		sup := p.sup()
		return sup == nil || len(sup.plans) == 0
	case sysWatch, sysUnwatch:
		p.updateWatchers(m)
	case sysStop:
		p.stopNow(m.reason)
	case sysPoison:
		p.poison(m.mark)
	default:
		return false
	}
	return true
}

// requeue puts messages held during a wait, oldest first, back in the lane
// under everything queued since, which is newer. Only the actor's goroutine
// takes from the lane, and pushers never touch a node already in it, so the
// bottom node's next is the actor's to set.
func (p *process) requeue(held *sysNode) {
	var rev *sysNode // newest first, as the lane keeps them
	for held != nil {
		next := held.next
		held.next = rev
		rev, held = held, next
	}
	for rev != nil {
		top := p.lane.Load()
		if top == nil {
			if p.lane.CompareAndSwap(nil, rev) {
				return
			}
			continue
		}
		bottom := top
		for bottom.next != nil {
			bottom = bottom.next
		}
		bottom.next = rev
		return
	}
}

// handleOne acts on one system message.
func (p *process) handleOne(m *sysMsg) {
	switch m.kind {
	case sysStop:
		p.stopNow(m.reason)
	case sysPoison:
		p.poison(m.mark)
	case sysWatch, sysUnwatch:
		p.updateWatchers(m)
	case sysChildStopped:
		p.removeChild(m.child) // done already if it arrived during a wait
		if sup := p.sup(); sup != nil && len(sup.plans) > 0 {
			p.childGone(m.child)
		}
	case sysTerminated:
		if !p.watching(m.pid) {
			return // unwatched since: say nothing
		}
		if p.ending() {
			return
		}
		if p.life == lifeSuspended {
			p.supervising().deferred = append(p.supervising().deferred, *m) // for the instance that comes next
			return
		}
		delete(p.ties.watching, m.pid)
		if perr := p.invoke(Terminated{PID: m.pid, Reason: m.reason}); perr != nil {
			p.fail(perr)
		}
	case sysFailed:
		p.childFailed(m.child, m.reason.(*PanicError))
	case sysExit:
		if !p.ending() {
			p.exitNormally()
		}
	case sysExited:
		p.childExited(m.child)
	case sysResume:
		if !p.ending() {
			p.resume()
		}
	case sysHalt:
		if !p.ending() {
			p.halt(m.reason)
			p.parent.pushSystem(sysMsg{kind: sysHalted, child: p})
		}
	case sysStart:
		if !p.ending() {
			p.startInstance(m.reason)
			// The parent hears of it once Started has run, so that a
			// group restart starts the next sibling only then.
			if p.life == lifeNew && p.parent != nil && !m.solo {
				p.life = lifeNewAck
			}
		}
	case sysRestart:
		if !p.ending() {
			p.restartSelf(m.reason, m.delay)
		}
	case sysHalted:
		p.advancePast(m.child, false)
	case sysStarted:
		p.advancePast(m.child, true)
	case sysPlanResume:
		if !p.stopping() {
			p.advance(m.plan)
		}
	}
}

// poison makes the actor stop before the message with sequence number
// mark, or before an earlier one that an earlier Poison marked.
func (p *process) poison(mark uint64) {
	if e := p.extra(); e.poisonAt == 0 || mark+1 < e.poisonAt {
		e.poisonAt = mark + 1
	}
}
