package actor

// Stopping: asked from outside or decided inside, an actor ends in steps
// that each run once, whatever its handlers do.

import "time"

// requestStop asks the actor to stop after its current message, for reason
// (nil: a normal stop). Its context is cancelled at once, and a watchdog
// reports a handler that is still running when the stop grace has passed.
func (p *process) requestStop(reason error) {
	p.mu.Lock()
	if p.stopReq {
		p.mu.Unlock()
		return
	}
	p.stopReq = true
	p.cancelLocked()
	if p.state.Load() == running {
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
	if p.stopping.Load() {
		return
	}
	p.slowStop.Store(true)
	p.sys.logger.Warn("actor: handler still running after stop; it ignores Context.Context",
		"pid", p.pid().String(), "kind", p.kind.name, "grace", p.sys.grace)
}

// stop runs the actor's end: Stopping, its children stopped one at a time in
// reverse spawn order, Stopped, the mailbox closed and what is left in it
// turned into dead letters, then watchers and parent told. Called again
// after a Goexit, it goes on from the step that was interrupted.
func (p *process) stop(reason error, leftover []envelope) {
	if p.life < lifeStopping {
		p.life = lifeStopping
		if reason != nil {
			p.extra().stopReason = reason
		}
		p.stopping.Store(true)
		p.mu.Lock()
		p.cancelLocked()
		p.mu.Unlock()
		p.stopTimers(true) // before the leftovers: a stopped timer's tick is no dead letter
		p.deadLetters(leftover)
		p.invokeWhileStopping(Stopping{})
	}
	if p.life < lifeChildren {
		p.life = lifeChildren
		p.stopChildren()
	}
	if p.life < lifeStopped {
		p.life = lifeStopped
		p.invokeWhileStopping(Stopped{})
	}
	if p.life < lifeEnd {
		p.life = lifeEnd
		p.end(p.reason())
	}
}

// end is the last step of a stop, where no handler runs.
func (p *process) end(reason error) {
	p.mbox.Close()
	for {
		batch, _ := p.mbox.Drain()
		if len(batch) == 0 {
			break
		}
		p.deadLetters(batch)
	}
	p.sys.registry.remove(p)

	p.sysMu.Lock()
	p.sysClosed = true
	rest := p.sysQ
	p.sysQ = nil
	p.sysMu.Unlock()
	for _, m := range rest {
		p.updateWatchers(m) // late watchers are told too
	}

	p.mu.Lock()
	if e := p.ext.Load(); e != nil {
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
	p.mu.Unlock()
	if p.slowStop.Load() {
		reason = ignoredStop(reason)
	}
	// Published before anyone is told: a subscriber hears of a child's
	// stop before its parent's, and before any watcher's Terminated.
	if p.sys.events.subs.Load() != nil {
		var parent PID
		if p.parent != nil {
			parent = p.parent.pid()
		}
		p.sys.publish(ActorStopped{PID: p.pid(), Parent: parent, Kind: p.kind.name, Reason: reason})
	}
	// The parent first: a parent that also watches sees its list of
	// children without this one by the time Terminated arrives.
	if p.parent != nil {
		p.parent.pushSystem(sysMsg{kind: sysChildStopped, child: p})
	}
	var watchers, watching map[PID]struct{}
	if p.ties != nil {
		watchers, watching = p.ties.watchers, p.ties.watching
	}
	for w := range watchers {
		p.sys.terminated(w, p.pid(), reason)
	}
	for pid := range watching {
		if t := p.sys.transportOf(pid); t != nil {
			t.Unwatch(pid, p.pid()) // the other node forgets a watcher that is gone
		}
	}
	p.kind.stopped(reason)
	// Envelopes of messages this actor sent point at its PID in this
	// struct, and may sit in mailboxes for a while yet: let them keep
	// nothing else alive, not the user's actor nor the mailbox's storage.
	p.actor, p.producer, p.ties = nil, nil, nil
	p.mbox.Release()
	p.mu.Lock()
	p.ended = true
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

// invokeWhileStopping delivers a lifecycle message during the stop; a panic
// there is reported but does not change the stop reason.
func (p *process) invokeWhileStopping(msg any) {
	p.invoke(msg, nil, nil)
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
		if p.ended {
			close(e.done)
		}
	}
	return e.done
}
