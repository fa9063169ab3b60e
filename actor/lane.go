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
type sysMsg struct {
	kind   sysKind
	pid    PID
	reason error
	mark   uint64
	child  *process
	plan   *restartPlan
	delay  time.Duration // sysRestart: the backoff before the new instance
	solo   bool          // sysStart: a restart nobody waits for; no acknowledgement
}

// pushSystem queues a system message; it returns false once the actor has
// stopped.
func (p *process) pushSystem(m sysMsg) bool {
	p.sysMu.Lock()
	if p.sysClosed {
		p.sysMu.Unlock()
		return false
	}
	p.sysQ = append(p.sysQ, m)
	waiting := p.sysWaiting
	p.sysWaiting = false
	p.sysMu.Unlock()
	p.sysPending.Store(true)
	if waiting {
		select {
		case p.sysWake <- struct{}{}:
		default:
		}
		return true
	}
	if p.state.Load() != running && (p.state.CompareAndSwap(idle, running) || p.state.CompareAndSwap(suspended, running)) {
		go p.run()
	}
	return true
}

// waitSystem sleeps until a system message arrives, for a loop that waits
// for its children to stop.
func (p *process) waitSystem() {
	p.sysMu.Lock()
	if len(p.sysQ) > 0 {
		p.sysMu.Unlock()
		return
	}
	if p.sysWake == nil {
		p.sysWake = make(chan struct{}, 1)
	}
	wake := p.sysWake
	p.sysWaiting = true
	p.sysMu.Unlock()
	<-wake
}

// handleSystem takes every queued system message and acts on it. A stop it
// decides on is left in life (lifeMustStop) and stopCause. It may run again,
// nested, while a restart waits for children to stop.
func (p *process) handleSystem() {
	p.sysPending.Store(false)
	p.sysMu.Lock()
	msgs := p.sysQ
	p.sysQ = nil // a nested call must not reuse the slice we iterate
	p.sysMu.Unlock()
	for i := range msgs {
		m := msgs[i]
		msgs[i] = sysMsg{}
		switch m.kind {
		case sysStop:
			p.stopNow(m.reason)
		case sysPoison:
			if p.poisonAt == 0 || m.mark+1 < p.poisonAt {
				p.poisonAt = m.mark + 1
			}
		case sysWatch, sysUnwatch:
			p.updateWatchers(m)
		case sysChildStopped:
			p.removeChild(m.child)
			if sup := p.sup(); sup != nil && len(sup.plans) > 0 {
				p.childGone(m.child)
			}
		case sysTerminated:
			if !p.watching(m.pid) {
				continue // unwatched since: say nothing
			}
			if p.ending() {
				continue
			}
			if p.life == lifeSuspended {
				p.supervising().deferred = append(p.supervising().deferred, m) // for the instance that comes next
				continue
			}
			delete(p.ties.watching, m.pid)
			if perr := p.invoke(Terminated{PID: m.pid, Reason: m.reason}, nil, nil); perr != nil {
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
			if !p.stopping.Load() {
				p.advance(m.plan)
			}
		}
	}
}
