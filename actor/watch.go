package actor

// Watching: an actor asks to hear when another stops, locally or on another
// node, and hears it exactly once.

// tell queues a system message for a local actor, if it is still there.
func (s *System) tell(pid PID, m sysMsg) bool {
	if pid.Address != "" {
		return false
	}
	p := s.lookup(pid.ID)
	return p != nil && p.pushSystem(m)
}

// unwatch tells target, local or remote, that watcher no longer watches it.
func (s *System) unwatch(target, watcher PID) {
	if t := s.transportOf(target); t != nil {
		t.Unwatch(target, watcher)
		return
	}
	s.tell(target, sysMsg{kind: sysUnwatch, pid: watcher})
}

// terminated tells watcher, local or remote, that target stopped.
func (s *System) terminated(watcher, target PID, reason error) {
	if t := s.transportOf(watcher); t != nil {
		t.Terminated(watcher, target, reason)
		return
	}
	s.tell(watcher, sysMsg{kind: sysTerminated, pid: target, reason: reason})
}

// Watch asks to be told when pid stops: this actor receives
// Terminated{PID: pid} exactly once. Watching an actor that is already gone
// answers Terminated at once, with reason ErrNotFound. Watching twice is the
// same as watching once. An actor of another node is watched through the
// Transport; it is reported as terminated, too, when its node is lost.
func (c *Context) Watch(pid PID) error {
	p := c.proc
	pid = p.sys.canon(pid)
	if pid.IsZero() {
		return ErrZeroPID
	}
	if p.watching(pid) {
		return nil
	}
	t := p.sys.transportOf(pid)
	if t == nil && pid.Address != "" {
		return ErrNoTransport
	}
	b := p.bonds()
	if b.watching == nil {
		b.watching = make(map[PID]struct{})
	}
	b.watching[pid] = struct{}{}
	if t != nil {
		t.Watch(pid, p.pid())
		return nil
	}
	if !p.sys.tell(pid, sysMsg{kind: sysWatch, pid: p.pid()}) {
		p.pushSystem(sysMsg{kind: sysTerminated, pid: pid, reason: ErrNotFound})
	}
	return nil
}

// Unwatch cancels Watch: no Terminated for pid arrives after it returns.
func (c *Context) Unwatch(pid PID) error {
	p := c.proc
	pid = p.sys.canon(pid)
	if pid.IsZero() {
		return ErrZeroPID
	}
	if !p.watching(pid) {
		return nil
	}
	delete(p.ties.watching, pid)
	p.sys.unwatch(pid, p.pid())
	return nil
}

// updateWatchers applies a sysWatch or sysUnwatch; it ignores other kinds.
func (p *process) updateWatchers(m *sysMsg) {
	switch m.kind {
	case sysWatch:
		t := p.bonds()
		if t.watchers == nil {
			t.watchers = make(map[PID]struct{})
		}
		t.watchers[m.pid] = struct{}{}
	case sysUnwatch:
		if p.ties != nil {
			delete(p.ties.watchers, m.pid)
		}
	}
}
