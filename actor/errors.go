package actor

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
)

var (
	// ErrNotFound means no local actor has the PID's ID: it never existed or
	// has stopped. A message sent to it becomes a dead letter.
	ErrNotFound = errors.New("actor: not found")

	// ErrNameTaken is returned by Spawn when a running actor already has the
	// name given with WithName.
	ErrNameTaken = errors.New("actor: name taken")

	// ErrTagTaken is returned by Spawn when the tag given with WithTag
	// belongs to another actor: a tag serves one.
	ErrTagTaken = errors.New("actor: tag taken")

	// ErrSystemStopped is returned by every call on a System after Shutdown,
	// and by Spawn once Shutdown has begun.
	ErrSystemStopped = errors.New("actor: system stopped")

	// ErrNilContext is returned by every call that waits when it is given
	// a nil context.
	ErrNilContext = errors.New("actor: nil context")

	// ErrNotLocal is returned by Wait for a PID of another node: watch it
	// instead.
	ErrNotLocal = errors.New("actor: not a local actor")

	// ErrNilMessage is returned when the message to send is nil.
	ErrNilMessage = errors.New("actor: nil message")

	// ErrZeroPID is returned when the target PID has no ID.
	ErrZeroPID = errors.New("actor: zero PID")

	// ErrNilProducer is returned by Spawn when the producer is nil or
	// produces a nil Actor.
	ErrNilProducer = errors.New("actor: nil producer")

	// ErrNoTransport is returned for a PID of another node (an Address
	// that is not the System's own) when no Transport is installed.
	ErrNoTransport = errors.New("actor: no remote transport for address")

	// ErrNoReply completes a request that will get no answer: its target
	// stopped, failed or dropped it, or handled it without calling Respond
	// (Respond is valid only during Receive).
	ErrNoReply = errors.New("actor: no reply")

	// ErrNoSender is returned by Context.Respond when the message being
	// handled came with neither a sender nor a waiting request.
	ErrNoSender = errors.New("actor: no sender to respond to")

	// ErrAnswered is returned by Context.Respond when the request was already
	// answered, or its caller stopped waiting (timeout or cancellation).
	ErrAnswered = errors.New("actor: request already answered or abandoned")

	// ErrStopping is returned by Context.Spawn while the actor is stopping.
	ErrStopping = errors.New("actor: stopping")

	// ErrIgnoredStop is the stop reason, or wraps it, when a handler was
	// still running after the system's stop grace period: it did not watch
	// Context.Context. See WithStopGrace.
	ErrIgnoredStop = errors.New("actor: handler kept running after stop")

	// ErrRestartLimit is the failure of a parent whose Permanent child
	// stopped itself more often than the restart intensity allows.
	ErrRestartLimit = errors.New("actor: restart intensity exceeded")

	// ErrStopped is the reason given with a dead letter that was still in an
	// actor's mailbox when the actor stopped.
	ErrStopped = errors.New("actor: stopped before handling the message")

	// ErrInterval is the Err of a timer from SendEvery with an interval of
	// zero or less: it would tick without end.
	ErrInterval = errors.New("actor: timer interval must be positive")
)

// ErrTimeout completes a future whose time ran out. It satisfies net.Error
// (Timeout reports true) and errors.Is(ErrTimeout, context.DeadlineExceeded).
var ErrTimeout error = timeoutError{}

type timeoutError struct{}

func (timeoutError) Error() string        { return "actor: request timed out" }
func (timeoutError) Timeout() bool        { return true }
func (timeoutError) Temporary() bool      { return true }
func (timeoutError) Is(target error) bool { return target == context.DeadlineExceeded }

// PanicError is the failure of an actor whose Receive panicked: the value
// given to panic, the message being handled (a lifecycle value such as
// Started included), and the stack where it happened. It is the stop reason
// of an actor that a panic stopped, and reaches watchers in Terminated.
type PanicError struct {
	Value   any
	Message any

	pcs   []uintptr // captured at the panic; formatted by Stack on demand
	once  sync.Once
	stack []byte
}

// newPanicError records a panic with the stack of the goroutine that
// recovers it. Only the program counters are taken here: formatting a stack
// costs more than a whole restart, and most are never read.
// Called from the function that recovered, it leaves out its own frame and
// that one's.
func newPanicError(value, msg any) *PanicError {
	var pcs [maxPanicFrames]uintptr
	n := runtime.Callers(3, pcs[:])
	return panicErrorOf(pcs[:n], value, msg)
}

// maxPanicFrames bounds the stack a PanicError keeps.
const maxPanicFrames = 64

// panicErrorOf is a PanicError with the stack pcs, taken by the deferred
// function that recovers: each frame the walk passes costs, more so an
// inlined one, so a helper that took them would make every restart slower.
func panicErrorOf(pcs []uintptr, value, msg any) *PanicError {
	return &PanicError{Value: value, Message: msg, pcs: slices.Clone(pcs)}
}

// Stack returns the stack at the panic, one function and one file:line per
// frame, formatted on first use.
func (e *PanicError) Stack() []byte {
	e.once.Do(func() {
		var b strings.Builder
		frames := runtime.CallersFrames(e.pcs)
		for {
			f, more := frames.Next()
			fmt.Fprintf(&b, "%s\n\t%s:%d\n", f.Function, f.File, f.Line)
			if !more {
				break
			}
		}
		e.stack = []byte(b.String())
	})
	return e.stack
}

// Error describes the panic value.
func (e *PanicError) Error() string { return fmt.Sprintf("actor: panic: %v", e.Value) }

// Unwrap returns the panic value when it is an error, so errors.Is and
// errors.As see through the panic.
func (e *PanicError) Unwrap() error {
	err, _ := e.Value.(error)
	return err
}

// errUnanswered completes a request whose handler returned without calling
// Respond.
var errUnanswered = fmt.Errorf("%w: handler returned without calling Respond", ErrNoReply)

// errNoReply says why a request got no answer.
func errNoReply(cause error) error { return fmt.Errorf("%w: %w", ErrNoReply, cause) }

// ignoredStop marks a stop reason when a handler outlived the stop grace.
func ignoredStop(reason error) error {
	if reason == nil {
		return ErrIgnoredStop
	}
	return fmt.Errorf("%w: %w", ErrIgnoredStop, reason)
}

func typeName(v any) string { return fmt.Sprintf("%T", v) }
