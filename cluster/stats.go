package cluster

import (
	"sync"
	"sync/atomic"
)

// maxStatKinds bounds the kinds counted apart; the rest are counted under
// "other", so that a sender naming endless kinds cannot grow the labels.
const maxStatKinds = 64

// KindStats counts what happened to the grains of one kind on this member.
type KindStats struct {
	// Activations is how many grains of the kind started here.
	Activations uint64
	// Passivations is how many stopped after IdleAfter without a message.
	Passivations uint64
	// Handoffs is how many stopped because another member owns them now
	// (after a join, or a healed partition), or because this one left.
	Handoffs uint64
	// Refused is how many activations this member refused: by its view
	// another member owned the identity, or it was stopping.
	Refused uint64
	// Lookups is how many sends, requests and gets this member made to
	// grains of the kind.
	Lookups uint64
	// Retries is how many of their attempts failed with a retryable error
	// and were tried again.
	Retries uint64
}

// Stats is a snapshot of a member's counters.
type Stats struct {
	// Members counts the members of this member's view by state.
	Members map[MemberState]int
	// Changes counts the changes of this member's view (MemberEvents), by
	// the state a member changed to.
	Changes map[MemberState]uint64
	// Active is how many grains are alive on this member now.
	Active int
	// Kinds holds the counters per kind ("other" past 64 kinds).
	Kinds map[string]KindStats
}

type kindCounters struct {
	activations, passivations, handoffs, refused, lookups, retries atomic.Uint64
}

// stats holds the counters per kind in a map that is copied on write:
// a send finds its kind's counters with one atomic load and no lock.
type stats struct {
	mu      sync.Mutex
	kinds   atomic.Pointer[map[string]*kindCounters]
	changes [Left + 1]atomic.Uint64 // by MemberState
}

func (s *stats) of(kind string) *kindCounters {
	if m := s.kinds.Load(); m != nil {
		if k := (*m)[kind]; k != nil {
			return k
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	old := map[string]*kindCounters{}
	if m := s.kinds.Load(); m != nil {
		old = *m
	}
	if k := old[kind]; k != nil {
		return k
	}
	if len(old) >= maxStatKinds {
		kind = "other"
		if k := old[kind]; k != nil {
			return k
		}
	}
	next := make(map[string]*kindCounters, len(old)+1)
	for name, k := range old {
		next[name] = k
	}
	k := new(kindCounters)
	next[kind] = k
	s.kinds.Store(&next)
	return k
}

// stopped counts the stop of a grain of k's kind.
func (k *kindCounters) stopped(why stopWhy) {
	switch why {
	case stopIdle:
		k.passivations.Add(1)
	case stopHandoff, stopLeave:
		k.handoffs.Add(1)
	}
}

// Stats returns a snapshot of the member's counters, for metrics.
func (c *Cluster) Stats() Stats {
	st := Stats{Members: map[MemberState]int{}, Changes: map[MemberState]uint64{}, Active: c.grains.len(), Kinds: map[string]KindStats{}}
	for _, m := range c.view.current().members {
		st.Members[m.State]++
	}
	for state := range c.stats.changes {
		st.Changes[MemberState(state)] = c.stats.changes[state].Load()
	}
	m := c.stats.kinds.Load()
	if m == nil {
		return st
	}
	for name, k := range *m {
		st.Kinds[name] = KindStats{
			Activations: k.activations.Load(), Passivations: k.passivations.Load(), Handoffs: k.handoffs.Load(),
			Refused: k.refused.Load(), Lookups: k.lookups.Load(), Retries: k.retries.Load(),
		}
	}
	return st
}
