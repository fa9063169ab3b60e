package server

import "sync"

// connSet tracks the open connections so that Stop can wait for them and
// close the ones left.
type connSet struct {
	mu       sync.Mutex
	conns    map[*serverConn]struct{}
	draining bool          // Stop is waiting; no more are added
	idle     chan struct{} // closed once draining and empty
	idleDone bool
}

func (cs *connSet) init() {
	cs.conns = make(map[*serverConn]struct{})
	cs.idle = make(chan struct{})
}

func (cs *connSet) add(c *serverConn) {
	cs.mu.Lock()
	cs.conns[c] = struct{}{}
	cs.mu.Unlock()
}

func (cs *connSet) remove(c *serverConn) {
	cs.mu.Lock()
	delete(cs.conns, c)
	cs.closeIdleLocked()
	cs.mu.Unlock()
}

func (cs *connSet) closeIdleLocked() {
	if cs.draining && len(cs.conns) == 0 && !cs.idleDone {
		cs.idleDone = true
		close(cs.idle)
	}
}

// drain marks the set as draining and returns a channel closed once it is
// empty. Nothing may be added after.
func (cs *connSet) drain() <-chan struct{} {
	cs.mu.Lock()
	cs.draining = true
	cs.closeIdleLocked()
	cs.mu.Unlock()
	return cs.idle
}

// closeAll closes every connection still in the set and says how many.
func (cs *connSet) closeAll() int {
	cs.mu.Lock()
	open := make([]*serverConn, 0, len(cs.conns))
	for c := range cs.conns {
		open = append(open, c)
	}
	cs.mu.Unlock()
	for _, c := range open {
		c.forced.Store(true)
		c.raw.Close()
	}
	return len(open)
}

func (cs *connSet) len() int {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	return len(cs.conns)
}
