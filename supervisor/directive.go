package supervisor

import "strconv"

// Directive is what a supervisor does about one failed child.
//
// The zero value is deliberately not a directive, so a Decider that forgets
// to return one is caught instead of silently meaning "resume".
type Directive uint8

const (
	// Resume keeps the child's state and goes on with its next message; the
	// message that caused the failure is dropped.
	Resume Directive = iota + 1
	// Restart replaces the child with a fresh instance from its producer. The
	// mailbox is kept, so no queued message is lost.
	Restart
	// Stop ends the child for good; its watchers learn it terminated.
	Stop
	// Escalate stops the child and fails the parent in turn, handing the
	// decision to the grandparent's strategy.
	Escalate
)

// String returns the directive's lower-case name, or "Directive(n)" for a
// value that is not a directive.
func (d Directive) String() string {
	switch d {
	case Resume:
		return "resume"
	case Restart:
		return "restart"
	case Stop:
		return "stop"
	case Escalate:
		return "escalate"
	}
	return "Directive(" + strconv.Itoa(int(d)) + ")"
}

func (d Directive) valid() bool { return d >= Resume && d <= Escalate }

// Decider maps a failure's reason (the recovered panic value) to a
// directive. The actor runtime calls it on an actor's goroutine, the
// parent's for a child and the failing actor's own for a top-level actor, so
// it must not block.
//
// A Decider that returns a value that is not a Directive is treated as if it
// had returned Escalate: the supervisor cannot guess what was meant, and
// handing the failure up is what OTP does when a supervisor's own code is
// broken. A Decider that panics panics out of Decide; the actor runtime
// recovers that panic, logs it and escalates the failure.
type Decider func(reason any) Directive

// restartAll is the default Decider: every failure is worth a fresh start.
func restartAll(any) Directive { return Restart }
