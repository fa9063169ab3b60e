package actor

import (
	"slices"
	"sort"
	"strings"
)

// Snapshot is the state of a System at one moment, for a metrics collector
// to read at scrape time: the runtime pushes no gauge per message, it only
// answers when asked. Taking one visits every live actor (a lock per
// mailbox), so it costs time in proportion to their number: call it per
// scrape, not per message.
type Snapshot struct {
	// Kinds has one entry per kind that has live actors, sorted by kind.
	Kinds []KindSnapshot
	// DeadLetters counts every dead letter since NewSystem.
	DeadLetters uint64
	// Requests counts the requests made with Request and RequestFuture that
	// have ended, answered or not; RequestTimeouts those that ended with
	// their deadline (ErrTimeout or context.DeadlineExceeded), and
	// RequestNoReplies those that could not be answered (ErrNoReply).
	Requests, RequestTimeouts, RequestNoReplies uint64
}

// KindSnapshot describes the live actors of one kind.
type KindSnapshot struct {
	Kind  string
	Alive int // actors spawned and not yet stopped
	// MailboxDepth is the number of messages waiting in their mailboxes,
	// summed: queued, and taken in a batch but not yet begun.
	MailboxDepth int
	// MailboxMax is the depth of the fullest of them.
	MailboxMax int
	// MailboxCapacity is the sum of their capacities, so that
	// MailboxDepth / MailboxCapacity is how full they are together.
	MailboxCapacity int
}

// Snapshot returns the System's state now.
func (s *System) Snapshot() Snapshot {
	byKind := make(map[*kind]*KindSnapshot)
	s.registry.each(func(p *process) {
		ks := byKind[p.kind]
		if ks == nil {
			ks = &KindSnapshot{Kind: p.kind.name}
			byKind[p.kind] = ks
		}
		depth := p.mbox.Waiting()
		ks.Alive++
		ks.MailboxDepth += depth
		ks.MailboxMax = max(ks.MailboxMax, depth)
		ks.MailboxCapacity += p.mbox.Cap()
	})
	snap := Snapshot{
		Kinds:            make([]KindSnapshot, 0, len(byKind)),
		DeadLetters:      s.DeadLetters(),
		Requests:         s.requests.total.Load(),
		RequestTimeouts:  s.requests.timeouts.Load(),
		RequestNoReplies: s.requests.noReplies.Load(),
	}
	for _, ks := range byKind {
		snap.Kinds = append(snap.Kinds, *ks)
	}
	sort.Slice(snap.Kinds, func(i, j int) bool { return snap.Kinds[i].Kind < snap.Kinds[j].Kind })
	return snap
}

// Kind returns the entry of kind name, and the zero KindSnapshot, with
// that name, when no actor of it is alive.
func (s Snapshot) Kind(name string) KindSnapshot {
	if i, ok := slices.BinarySearchFunc(s.Kinds, name, func(k KindSnapshot, n string) int {
		return strings.Compare(k.Kind, n)
	}); ok {
		return s.Kinds[i]
	}
	return KindSnapshot{Kind: name}
}
