package cluster

import (
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/troupe-go/troupe/actor"
)

// MemberState is what this member believes of another.
type MemberState int

const (
	// Alive: memberlist sees it and the transport has not lost it. Only
	// alive members own identities.
	Alive MemberState = iota
	// Suspect: the transport lost its connection (or could not make one)
	// while memberlist still sees it. It owns nothing until a probe
	// reaches it again, or memberlist declares it dead.
	Suspect
	// Dead: memberlist declared it failed. It may come back (a healed
	// partition); the member keeps trying to rejoin it.
	Dead
	// Left: it left on purpose (Stop).
	Left
)

// String names the state.
func (s MemberState) String() string {
	switch s {
	case Alive:
		return "alive"
	case Suspect:
		return "suspect"
	case Dead:
		return "dead"
	case Left:
		return "left"
	}
	return "unknown"
}

// Member is one member of the cluster as this member sees it.
type Member struct {
	// Addr is its troupe node address: the Address of its actors' PIDs,
	// and its name in memberlist.
	Addr string
	// Gossip is its memberlist address, host:port.
	Gossip string
	// Incarnation tells one run of the member from the next.
	Incarnation uint64
	// Kinds are the kinds of grain it hosts, sorted.
	Kinds []string
	// State is what this member believes of it.
	State MemberState
	// Since is when this member saw it enter State.
	Since time.Time
}

// MemberEvent is published on the System (see actor.System.Subscribe)
// whenever a member's state changes in this member's view: it joins (Alive,
// Previous Dead for a new one), becomes suspect, dies, leaves or returns.
type MemberEvent struct {
	actor.Extension
	Member   Member
	Previous MemberState
	// New is set when the member was not in the view before.
	New bool
}

// snapshot is one immutable version of the view: what Send and Request
// read, without a lock, to place an identity.
type snapshot struct {
	epoch     uint64
	changedAt time.Time              // when the alive members last changed
	members   []Member               // sorted by Addr, every state
	byKind    map[string][]candidate // alive members hosting each kind
}

// ownerWithout returns the member that would own id if self were not
// there, or "" if self owns it either way or no other member hosts it.
func (s *snapshot) ownerWithout(id ID, self string) string {
	cands := s.byKind[id.Kind]
	i := slices.IndexFunc(cands, func(c candidate) bool { return c.addr == self })
	if i < 0 {
		return ""
	}
	others := slices.Delete(slices.Clone(cands), i, i+1)
	if j := owner(others, hashID(id)); j >= 0 {
		return others[j].addr
	}
	return ""
}

// ownerOf returns the address of the member that owns id, or "".
func (s *snapshot) ownerOf(id ID) string {
	c, _ := s.ownerCand(id)
	return c.addr
}

// ownerCand returns the member that owns id, and false if none does.
func (s *snapshot) ownerCand(id ID) (candidate, bool) {
	cands := s.byKind[id.Kind]
	i := owner(cands, hashID(id))
	if i < 0 {
		return candidate{}, false
	}
	return cands[i], true
}

// view is this member's belief about the others, fed by memberlist's
// events and the transport's notices. Every change makes a new snapshot
// and is published.
type view struct {
	mu      sync.Mutex
	members map[string]*Member // by Addr
	snap    atomic.Pointer[snapshot]
	changed chan struct{} // closed and replaced at each change (waiters)

	publish func(MemberEvent) // called under mu: must be quick
	notify  func()            // called under mu: must not block
}

func newView(publish func(MemberEvent), notify func()) *view {
	v := &view{members: map[string]*Member{}, changed: make(chan struct{}), publish: publish, notify: notify}
	v.snap.Store(&snapshot{byKind: map[string][]candidate{}})
	return v
}

// current returns the latest snapshot.
func (v *view) current() *snapshot { return v.snap.Load() }

// waitChange returns a channel closed at the next change.
func (v *view) waitChange() <-chan struct{} {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.changed
}

// alive records that memberlist sees m (a join or an update). A new
// incarnation clears a suspicion: it is a new run of the member.
func (v *view) alive(m Member) {
	v.mu.Lock()
	defer v.mu.Unlock()
	old, ok := v.members[m.Addr]
	m.State = Alive
	if ok && old.State == Suspect && old.Incarnation == m.Incarnation {
		m.State = Suspect // the transport still has not reached this run
	}
	if ok && old.State == m.State && old.Incarnation == m.Incarnation && old.Gossip == m.Gossip && slices.Equal(old.Kinds, m.Kinds) {
		return
	}
	prev := Dead
	m.Since = time.Now()
	if ok {
		prev = old.State
		if old.State == m.State {
			m.Since = old.Since
		}
	}
	v.members[m.Addr] = &m
	v.changeLocked(m, prev, !ok)
}

// gone records that memberlist declared addr dead, or that it left.
func (v *view) gone(addr string, left bool) {
	v.mu.Lock()
	defer v.mu.Unlock()
	m, ok := v.members[addr]
	if !ok {
		return
	}
	state := Dead
	if left {
		state = Left
	}
	if m.State == state {
		return
	}
	prev := m.State
	c := *m
	c.State, c.Since = state, time.Now()
	if left {
		delete(v.members, addr) // it will not be rejoined
	} else {
		v.members[addr] = &c
	}
	v.changeLocked(c, prev, false)
}

// suspect marks an alive member suspect: the transport lost it.
func (v *view) suspect(addr string) { v.mark(addr, Alive, Suspect, 0) }

// cleared marks a suspect member alive again: the transport reached it.
// With inc not zero, only that run is cleared.
func (v *view) cleared(addr string, inc uint64) { v.mark(addr, Suspect, Alive, inc) }

func (v *view) mark(addr string, from, to MemberState, inc uint64) {
	v.mu.Lock()
	defer v.mu.Unlock()
	m, ok := v.members[addr]
	if !ok || m.State != from || (inc != 0 && m.Incarnation != inc) {
		return
	}
	c := *m
	c.State, c.Since = to, time.Now()
	v.members[addr] = &c
	v.changeLocked(c, from, false)
}

// reap forgets the members dead since before t: the member stops trying
// to rejoin them. They owned nothing; no event is published.
func (v *view) reap(t time.Time) {
	v.mu.Lock()
	defer v.mu.Unlock()
	n := len(v.members)
	for addr, m := range v.members {
		if m.State == Dead && m.Since.Before(t) {
			delete(v.members, addr)
		}
	}
	if len(v.members) != n {
		v.snap.Store(v.rebuildLocked())
	}
}

// member returns addr's entry.
func (v *view) member(addr string) (Member, bool) {
	v.mu.Lock()
	defer v.mu.Unlock()
	m, ok := v.members[addr]
	if !ok {
		return Member{}, false
	}
	return *m, true
}

// changeLocked makes a new snapshot after m changed from prev.
func (v *view) changeLocked(m Member, prev MemberState, isNew bool) {
	s := v.rebuildLocked()
	if m.State == Alive && (isNew || prev == Dead) {
		// Only a join or a return can give an identity to a member while
		// its previous owner still runs it: a member that left stopped its
		// grains first, a dead one has none, a suspect one cannot be asked.
		s.changedAt = time.Now()
	}
	v.snap.Store(s)
	close(v.changed)
	v.changed = make(chan struct{})
	v.publish(MemberEvent{Member: m, Previous: prev, New: isNew})
	v.notify()
}

// rebuildLocked makes the next snapshot from the members.
func (v *view) rebuildLocked() *snapshot {
	old := v.snap.Load()
	s := &snapshot{epoch: old.epoch + 1, changedAt: old.changedAt, byKind: map[string][]candidate{}}
	for _, x := range v.members {
		s.members = append(s.members, *x)
	}
	slices.SortFunc(s.members, func(a, b Member) int {
		switch {
		case a.Addr < b.Addr:
			return -1
		case a.Addr > b.Addr:
			return 1
		}
		return 0
	})
	for _, x := range s.members {
		if x.State != Alive {
			continue
		}
		for _, k := range x.Kinds {
			s.byKind[k] = append(s.byKind[k], newCandidate(x.Addr))
		}
	}
	return s
}
