package metrics

import (
	"errors"

	"github.com/troupe-go/troupe/actor"
	"github.com/troupe-go/troupe/mailbox"
	"github.com/troupe-go/troupe/remote"
	"github.com/troupe-go/troupe/remote/wire"
)

// Reason labels are a short, fixed list, so that a label never carries an
// error's text: each error is matched with errors.Is against the sentinels
// it may wrap, and whatever matches none is "other".

// Why an actor stopped for good: the reason label of troupe_actor_stops_total.
const (
	stopNormal       = iota // nil reason: Stop, Poison, Shutdown, or the actor's own stop
	stopPanic               // a *actor.PanicError the supervisor did not restart
	stopRestartLimit        // actor.ErrRestartLimit: restarted too often
	stopIgnoredStop         // actor.ErrIgnoredStop: the handler outlived the stop grace
	stopOther               // anything else
	numStopReasons
)

// stopReasons are the label values, indexed by the constants above.
var stopReasons = [numStopReasons]string{"normal", "panic", "restart_limit", "ignored_stop", "other"}

// stopReason classifies the reason given to KindObserver.ActorStopped. The
// wrappers are looked at first: a slow stop wraps the reason it slowed down,
// and a restart limit is carried by a PanicError.
func stopReason(err error) int {
	var perr *actor.PanicError
	switch {
	case err == nil:
		return stopNormal
	case errors.Is(err, actor.ErrIgnoredStop):
		return stopIgnoredStop
	case errors.Is(err, actor.ErrRestartLimit):
		return stopRestartLimit
	case errors.As(err, &perr):
		return stopPanic
	}
	return stopOther
}

// deadLetterReasons pairs each reason label of troupe_dead_letters_total
// with the sentinel it stands for; the last, "other", matches what none of
// the others does.
var deadLetterReasons = []struct {
	label string
	err   error
}{
	{"not_found", actor.ErrNotFound}, // no such actor, or it stopped
	{"dropped", mailbox.ErrDropped},  // a DropNewest or DropOldest mailbox was full
	{"stopped", actor.ErrStopped},    // still queued when its actor stopped
	{"no_sender", actor.ErrNoSender}, // a response with no one to go to
	{"answered", actor.ErrAnswered},  // a response to a request answered or abandoned
	{"full", mailbox.ErrFull},        // a message from another node found its actor's mailbox full too long
	// What the remote node cannot carry; the sending side's reasons first,
	// as a reason may also wrap actor.ErrNoReply.
	{"queue_full", remote.ErrQueueFull},        // a peer's outbound queue dropped it
	{"unreachable", remote.ErrNodeUnreachable}, // its node could not be reached
	{"node_stopped", remote.ErrNodeStopped},    // the node stopped before writing it
	{"unknown_type", remote.ErrUnknownType},    // a type not registered on the receiving node
	{"payload", wire.ErrPayload},               // it failed to encode or decode
	{"late_reply", remote.ErrLateReply},        // a reply that no request waits for
	{"other", nil},
}

// deadLetterReason returns the index in deadLetterReasons of err's label.
func deadLetterReason(err error) int {
	for i, r := range deadLetterReasons[:len(deadLetterReasons)-1] {
		if errors.Is(err, r.err) {
			return i
		}
	}
	return len(deadLetterReasons) - 1
}
