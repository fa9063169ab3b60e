package supervisor

import (
	"math"
	"time"
)

// Failure is one crash of a child, as the runtime recovered it.
type Failure struct {
	// Reason is the value the child panicked with.
	Reason any
	// Stack formats the child's stack at the panic, for logs. It is a
	// function because formatting a stack costs more than a restart, and
	// most are never read. It may be nil.
	Stack func() []byte
	// Message is the message the child was handling, nil if none (a
	// failure while starting, for instance).
	Message any
}

// Decision is what the runtime must do about one failure.
type Decision struct {
	// Directive is what happens to the failed child and, for Restart
	// only, to the siblings Affected names.
	Directive Directive
	// Delay, with Restart, is how long to wait before starting the new
	// instance. The runtime arms a timer rather than sleeping, so the
	// parent keeps handling its own messages meanwhile. Zero otherwise.
	Delay time.Duration
	// Exceeded reports that this restart would have passed the intensity
	// limit. Directive is then Escalate: the runtime stops the child and
	// fails the parent.
	Exceeded bool
}

// Decide applies the strategy to one failure: the decider chooses a
// directive, the restart type may turn Restart into Stop, and a restart is
// recorded in h, checked against the intensity limit and given its backoff
// delay. Resume, Stop and Escalate leave h untouched: only restarts count.
func (s *Strategy) Decide(h *History, f Failure) Decision {
	d := s.decider(f.Reason)
	if !d.valid() {
		d = Escalate
	}
	if d == Restart && s.restartType == Temporary {
		d = Stop
	}
	if d != Restart {
		return Decision{Directive: d}
	}
	return s.restart(h)
}

// DecideExit is Decide for a child that stopped itself without failing.
// A Permanent child is restarted, and that restart is recorded, limited and
// delayed like any other, so a child that keeps returning at once cannot
// spin; other children are stopped. The decider is not consulted, since
// there is no failure to judge.
func (s *Strategy) DecideExit(h *History) Decision {
	if !s.RestartOnNormalExit() {
		return Decision{Directive: Stop}
	}
	return s.restart(h)
}

// restart records a restart in h and decides whether it may happen, and
// after how long.
func (s *Strategy) restart(h *History) Decision {
	now := s.now()
	if h.consecutive > 0 && now.Sub(h.last) >= s.quiet() {
		h.consecutive = 0
	}
	h.forget(now, s.window)
	h.push(now, s.limit())
	h.last = now
	// Past the point where the delay reaches max, counting higher changes
	// nothing, so the count saturates instead of ever overflowing.
	if h.consecutive < maxConsecutive {
		h.consecutive++
	}
	if h.count > s.maxRestarts {
		return Decision{Directive: Escalate, Exceeded: true}
	}
	return Decision{Directive: Restart, Delay: s.delay(h.consecutive)}
}

// limit is how many restart times a History must keep to tell n restarts in
// the window from n+1.
func (s *Strategy) limit() int {
	if s.maxRestarts == math.MaxInt {
		return s.maxRestarts
	}
	return s.maxRestarts + 1
}
