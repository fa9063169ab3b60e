package actor

import (
	"time"

	"github.com/troupe-go/troupe/supervisor"
)

// Restarting is the last message a failed actor instance receives before
// the runtime replaces it with a new one from the producer. Reason is the
// failure that caused the restart: the instance's own, or a sibling's under
// AllForOne and RestForOne. Its children are stopped after it.
type Restarting struct {
	Reason error
}

// ActorRestarted is published when an actor has been given a new instance
// after a failure.
type ActorRestarted struct {
	PID    PID
	Kind   string
	Reason error
}

func (ActorRestarted) event() {}

// WithSupervisor sets the strategy this actor applies to its children when
// they fail. The default is supervisor.Default(): one for one, restart on any
// panic, more than 10 restarts within 10 s escalates, backoff from 10 ms to
// 1 s.
func WithSupervisor(s *supervisor.Strategy) Option {
	return spawnOption(func(c *spawnConfig) { c.strategy = s })
}

// WithGuardian sets the strategy the system applies to its top-level
// actors, which have no parent actor. Its intensity, backoff and decider are
// used one for one (its kind is ignored), and Escalate stops the actor: there
// is nobody above to escalate to. The default is supervisor.Default().
func WithGuardian(s *supervisor.Strategy) SystemOption {
	return systemOption(func(sys *System) {
		if s != nil {
			sys.guardian = s
		}
	})
}

// supState is an actor's restart bookkeeping, made on first use: most
// actors never fail and never pay for it. It is owned by the actor's own
// goroutine.
type supState struct {
	groupHist supervisor.History // the children's restarts, for AllForOne and RestForOne
	plans     []*restartPlan
	queued    []sysMsg // children's failures waiting for a group restart to end
	deferred  []sysMsg // Terminated notices kept while suspended
}

// supervising returns the actor's restart bookkeeping for its children,
// making it on first use; sup returns it or nil.
func (p *process) supervising() *supState {
	t := p.bonds()
	if t.sup == nil {
		t.sup = new(supState)
	}
	return t.sup
}

func (p *process) sup() *supState {
	if p.ties == nil {
		return nil
	}
	return p.ties.sup
}

// history is the actor's restart record, made on first use. Only one
// goroutine ever uses it: the parent's, or the actor's own at the top.
func (p *process) history() *supervisor.History {
	e := p.extra()
	if e.hist == nil {
		e.hist = new(supervisor.History)
	}
	return e.hist
}

// fail suspends the actor after a panic: it handles no user message until
// its supervisor has decided. The parent decides on its own goroutine; the
// system's guardian decides here, for a top-level actor.
func (p *process) fail(perr *PanicError) {
	p.life = lifeSuspended
	if p.parent != nil {
		p.parent.pushSystem(sysMsg{kind: sysFailed, child: p, reason: perr})
		return
	}
	dec := p.decide(p.sys.guardian, p.history(), perr)
	switch dec.Directive {
	case supervisor.Resume:
		p.resume()
	case supervisor.Restart:
		p.restartSelf(perr, dec.Delay)
	default: // Stop, or Escalate with nobody above
		if dec.Directive == supervisor.Escalate {
			p.sys.logger.Error("actor: failure escalated to the system; stopping", "pid", p.pid().String(),
				"kind", p.kind.name, "reason", perr, "intensity_exceeded", dec.Exceeded)
		}
		p.stopNow(perr)
	}
}

// decide asks strategy about a failure. A decider that panics is a bug in
// the supervisor, not in the child: it is logged and the failure escalates.
func (p *process) decide(strategy *supervisor.Strategy, hist *supervisor.History, perr *PanicError) (dec supervisor.Decision) {
	defer func() {
		if r := recover(); r != nil {
			p.sys.logger.Error("actor: supervisor's decider panicked; escalating", "pid", p.pid().String(),
				"kind", p.kind.name, "panic", r, "failure", perr)
			dec = supervisor.Decision{Directive: supervisor.Escalate}
		}
	}()
	return strategy.Decide(hist, failureOf(perr))
}

func failureOf(perr *PanicError) supervisor.Failure {
	return supervisor.Failure{Reason: perr.Value, Stack: perr.Stack, Message: perr.Message}
}

// resume lets a suspended actor go on with its next message.
func (p *process) resume() {
	if p.life == lifeSuspended {
		p.life = lifeRunning
	}
	p.redeliverDeferred()
}

// stopNow makes the receive loop stop the actor with reason.
func (p *process) stopNow(reason error) {
	if p.reach(stageDecided) && reason != nil { // most stops have none: no need for the rare part
		p.extra().stopCause = reason
	}
}

// halt ends the current instance before a restart: Restarting is delivered
// to it, its children are stopped, its context is cancelled. The actor stays
// suspended until startInstance.
func (p *process) halt(reason error) {
	p.life = lifeSuspended
	if p.actor != nil {
		p.invoke(Restarting{Reason: reason})
		p.stopTimers(false) // the next instance gets none of this one's ticks
		p.stopChildren()
		p.mu.Lock()
		p.cancelLocked()
		if e := p.ext.Load(); e != nil {
			e.goctx, e.cancel = nil, nil // the next instance gets a fresh context
		}
		p.mu.Unlock()
		p.actor = nil
		p.forgetWatches()
	}
}

// forgetWatches drops the watches of an instance that ends: the next one
// starts with none, as a restarted process does in OTP, and watches again in
// Started what it needs. Notices held back while suspended go too.
func (p *process) forgetWatches() {
	if p.ties != nil {
		for pid := range p.ties.watching {
			p.sys.unwatch(pid, p.pid())
		}
		p.ties.watching = nil
	}
	if sup := p.sup(); sup != nil {
		sup.deferred = nil
	}
}

// startInstance gives a halted actor a new instance from its producer; the
// receive loop delivers Started to it next.
func (p *process) startInstance(reason error) {
	a, err := produce(p.producer)
	if err != nil {
		p.stopNow(err)
		return
	}
	p.actor = a
	p.life = lifeNew
	p.redeliverDeferred()
	p.kind.restarted()
	p.sys.publish(ActorRestarted{PID: p.pid(), Kind: p.kind.name, Reason: reason})
}

// exitNormally runs when the actor has stopped itself: it stops, unless its
// supervisor restarts children that end (OTP's Permanent restart type).
func (p *process) exitNormally() {
	strategy := p.sys.guardian
	if p.parent != nil {
		strategy = p.parent.strategy
	}
	if !strategy.RestartOnNormalExit() {
		p.stopNow(nil)
		return
	}
	if p.parent != nil {
		p.life = lifeSuspended
		p.parent.pushSystem(sysMsg{kind: sysExited, child: p})
		return
	}
	dec := strategy.DecideExit(p.history())
	if dec.Directive != supervisor.Restart {
		p.sys.logger.Error("actor: permanent actor exits too often; stopping", "pid", p.pid().String(), "kind", p.kind.name)
		p.stopNow(nil)
		return
	}
	p.restartSelf(nil, dec.Delay)
}

// restartSelf ends the current instance and starts a new one after delay:
// a restart that concerns this actor alone, so nobody waits to hear of it.
// A one-for-one restart is two exchanges: the child's failure to its parent,
// and this, from the parent to the child.
func (p *process) restartSelf(reason error, delay time.Duration) {
	p.halt(reason)
	if delay > 0 {
		p.after(delay, sysMsg{kind: sysStart, reason: reason, solo: true})
		return
	}
	p.startInstance(reason)
}

// after queues m in the actor's system lane once d has passed. The timer is
// the actor's: it is stopped when the actor ends, so no restart outlives
// it.
func (p *process) after(d time.Duration, m sysMsg) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.stageOf() == stageEnded {
		return
	}
	var t *time.Timer
	t = time.AfterFunc(d, func() {
		p.mu.Lock()
		delete(p.extra().timers, t)
		p.mu.Unlock()
		p.pushSystem(m)
	})
	e := p.extra()
	if e.timers == nil {
		e.timers = make(map[*time.Timer]struct{})
	}
	e.timers[t] = struct{}{}
}

// childExited runs on the parent's goroutine when a Permanent child has
// stopped itself: a restart, limited and delayed like any other.
func (p *process) childExited(child *process) {
	if !p.hasChild(child) || p.inPlan(child) || p.stopping() {
		return
	}
	hist := &p.supervising().groupHist
	if p.strategy.Kind() == supervisor.KindOneForOne {
		hist = child.history()
	}
	dec := p.strategy.DecideExit(hist)
	switch dec.Directive {
	case supervisor.Restart:
		p.restartChild(child, nil, dec.Delay)
	case supervisor.Escalate:
		child.requestStop(nil)
		perr := newPanicError(ErrRestartLimit, nil)
		p.sys.logger.Error("actor: permanent child exits too often", "child", child.pid().String(), "parent", p.pid().String())
		p.fail(perr)
	default:
		child.requestStop(nil)
	}
}

// childFailed runs on the parent's goroutine: it asks the parent's strategy
// what to do about a child's panic, and does it.
func (p *process) childFailed(child *process, perr *PanicError) {
	if !p.hasChild(child) || p.inPlan(child) {
		return // gone, or about to get a new instance anyway
	}
	if p.stopping() {
		return // every child is being stopped
	}
	if p.strategy.Kind() != supervisor.KindOneForOne && len(p.supervising().plans) > 0 {
		// One group restart at a time; this failure waits its turn.
		p.ties.sup.queued = append(p.ties.sup.queued, sysMsg{kind: sysFailed, child: child, reason: perr})
		return
	}
	hist := &p.supervising().groupHist
	if p.strategy.Kind() == supervisor.KindOneForOne {
		hist = child.history()
	}
	dec := p.decide(p.strategy, hist, perr)
	switch dec.Directive {
	case supervisor.Resume:
		child.pushSystem(sysMsg{kind: sysResume})
	case supervisor.Restart:
		p.restartChild(child, perr, dec.Delay)
	case supervisor.Stop:
		child.requestStop(perr)
	default: // Escalate: the child stops and this actor fails in turn
		child.requestStop(perr)
		p.sys.logger.Error("actor: failure escalated", "from", child.pid().String(), "to", p.pid().String(),
			"reason", perr, "intensity_exceeded", dec.Exceeded)
		p.fail(perr)
	}
}

// stopChildren stops the children one at a time, the last spawned first, as
// in OTP. While it waits it acts on the system messages the wait needs and
// keeps the others, in order, for after it (holdSystem), so that no
// decision of a supervisor runs in the middle of a restart or a stop. User
// messages stay queued while the actor is suspended, and become dead
// letters while it stops.
func (p *process) stopChildren() {
	var held, last *sysNode
	for kids := p.children(); len(kids) > 0; kids = p.children() {
		child := kids[len(kids)-1]
		child.requestStop(nil)
		for p.hasChild(child) {
			if p.systemPending() {
				held, last = p.holdSystem(held, last)
			}
			var batch []envelope
			if p.stopping() {
				batch, _ = p.mbox.Drain()
				p.deadLetters(batch)
			}
			if p.hasChild(child) && len(batch) == 0 {
				p.waitSystem()
			}
		}
	}
	p.requeue(held)
}

// redeliverDeferred queues again the Terminated notices that arrived while
// the actor was suspended, for the instance that now runs.
func (p *process) redeliverDeferred() {
	sup := p.sup()
	if sup == nil || len(sup.deferred) == 0 {
		return
	}
	d := sup.deferred
	sup.deferred = nil
	for _, m := range d {
		p.pushSystem(m)
	}
}
