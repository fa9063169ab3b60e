package actor

// Stopping: asked from outside or decided inside, an actor ends in steps
// that each run once, whatever its handlers do.

import (
	"sync"
	"time"
)

// requestStop asks the actor to stop after its current message, for reason
// (nil: a normal stop). Its context is cancelled at once, and a watchdog
// reports a handler that is still running when the stop grace has passed.
func (p *process) requestStop(reason error) {
	p.mu.Lock()
	if !p.reach(stageAsked) {
		p.mu.Unlock()
		return // asked already, or deciding for itself: the stop is on its way
	}
	p.cancelLocked()
	if p.sched.Load() == running {
		// A handler may be running: report it if it outlives the grace. An
		// idle actor handles the stop before any other message.
		p.extra().watchdog = time.AfterFunc(p.sys.grace, p.reportSlowStop)
	}
	p.mu.Unlock()
	p.pushSystem(sysMsg{kind: sysStop, reason: reason})
}

// reportSlowStop runs when the stop grace has passed. An actor whose
// receive loop has ended is stopping its children or finishing: not its
// handler's fault. One still in its loop is stuck in a handler.
func (p *process) reportSlowStop() {
	for {
		old := p.stage.Load()
		if old&stageSteps >= stageStopping {
			return
		}
		if p.stage.CompareAndSwap(old, old|stageSlow) {
			break
		}
	}
	p.sys.logger.Warn("actor: handler still running after stop; it ignores Context.Context",
		"pid", p.pid().String(), "kind", p.kind.name, "grace", p.sys.grace)
}

// stop runs the actor's end: Stopping, its children stopped one at a time in
// reverse spawn order, Stopped, the mailbox closed and what is left in it
// turned into dead letters, then watchers and parent told. Called again
// after a Goexit, it goes on from the step that was interrupted.
func (p *process) stop(leftover []envelope) {
	if p.reach(stageStopping) {
		p.mu.Lock()
		p.cancelLocked()
		p.mu.Unlock()
		p.stopTimers(true) // before the leftovers: a stopped timer's tick is no dead letter
		p.deadLetters(leftover)
		p.invoke(Stopping{}) // a panic is reported; the stop reason stays
	}
	if p.reach(stageChildren) {
		p.stopChildren()
	}
	if p.reach(stageStopped) {
		p.invoke(Stopped{})
	}
	if p.reach(stageEnding) {
		p.end(p.cause())
	}
}

// end is the last step of a stop, where no handler of the actor runs;
// the End hook of its tag, if any, runs first.
func (p *process) end(reason error) {
	if p.tag != nil {
		p.untag() // first: the hooks' package stops sending before the mailbox closes
	}
	p.closeMailbox()
	p.sys.registry.remove(p)
	p.closeLane()
	if e := p.ext.Load(); e != nil {
		e.stopRuntimeTimers(&p.mu)
	}
	if p.stage.Load()&stageSlow != 0 {
		reason = ignoredStop(reason)
	}
	// Published before anyone is told: a subscriber hears of a child's
	// stop before its parent's, and before any watcher's Terminated.
	if p.sys.events.subs.Load() != nil {
		p.publishStopped(reason)
	}
	// The parent first: a parent that also watches sees its list of
	// children without this one by the time Terminated arrives.
	if p.parent != nil {
		p.parent.pushSystem(sysMsg{kind: sysChildStopped, child: p})
	}
	if p.ties != nil {
		p.untie(reason)
	}
	p.kind.stopped(reason)
	// Envelopes of messages this actor sent point at its PID in this
	// struct, and may sit in mailboxes for a while yet: let them keep
	// nothing else alive, not the user's actor nor the mailbox's storage.
	p.actor, p.producer, p.ties = nil, nil, nil
	p.mbox.Release()
	p.mu.Lock()
	p.reach(stageEnded) // under mu: doneChan sees it, or its channel is closed here
	if reason != nil || p.ext.Load() != nil {
		e := p.extra()
		e.reason = reason
		if e.done != nil {
			close(e.done)
		}
	}
	p.mu.Unlock()
	p.sys.forget()
}

// The steps of end below live in functions of their own, kept out of line:
// inlined, their loops, map iterators and messages made end's frame 520
// bytes, which pushed every stopping actor's goroutine past its first 2 KiB
// of stack, and that stack copy cost a fifth of spawn-and-stop's CPU.

// publishStopped publishes ActorStopped.
//
//go:noinline
func (p *process) publishStopped(reason error) {
	var parent PID
	if p.parent != nil {
		parent = p.parent.pid()
	}
	p.sys.publish(ActorStopped{PID: p.pid(), Parent: parent, Kind: p.kind.name, Reason: reason})
}

// closeMailbox closes the mailbox and turns what is left in it into dead
// letters.
//
//go:noinline
func (p *process) closeMailbox() {
	p.mbox.Close()
	for {
		batch, _ := p.mbox.Drain()
		if len(batch) == 0 {
			return
		}
		p.deadLetters(batch)
	}
}

// closeLane closes the system lane; watchers that arrived late are kept,
// to be told too.
//
//go:noinline
func (p *process) closeLane() {
	for n := p.takeSystem(true); n != nil; n = n.next {
		p.updateWatchers(&n.m)
	}
}

// stopRuntimeTimers stops the runtime's own timers of an actor that has ended
// (the watchdog, the idle release, restart backoffs), under mu.
func (e *procExt) stopRuntimeTimers(mu *sync.Mutex) {
	mu.Lock()
	defer mu.Unlock()
	if e.watchdog != nil {
		e.watchdog.Stop()
	}
	if e.idleTimer != nil {
		e.idleTimer.Stop()
	}
	for t := range e.timers {
		t.Stop()
	}
	e.timers = nil
}

// untie tells the actor's watchers that it has stopped, and the other
// nodes whose actors it watched that it is gone.
func (p *process) untie(reason error) {
	for w := range p.ties.watchers {
		p.sys.terminated(w, p.pid(), reason)
	}
	for pid := range p.ties.watching {
		if t := p.sys.transportOf(pid); t != nil {
			t.Unwatch(pid, p.pid()) // the other node forgets a watcher that is gone
		}
	}
}

func (p *process) deadLetters(envs []envelope) {
	for i := range envs {
		p.sys.deadLetter(p.pid(), envs[i], ErrStopped)
		envs[i] = envelope{}
	}
}

// doneChan returns a channel closed when the actor has stopped.
func (p *process) doneChan() <-chan struct{} {
	p.mu.Lock()
	defer p.mu.Unlock()
	e := p.extra()
	if e.done == nil {
		e.done = make(chan struct{})
		if p.stageOf() == stageEnded {
			close(e.done)
		}
	}
	return e.done
}
