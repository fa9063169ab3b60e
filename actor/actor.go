package actor

// Actor handles the messages sent to it, one at a time, on its own goroutine.
type Actor interface {
	Receive(c *Context)
}

// ReceiveFunc adapts a function to the Actor interface, so small actors can
// be plain functions.
type ReceiveFunc func(c *Context)

// Receive calls f(c).
func (f ReceiveFunc) Receive(c *Context) { f(c) }

// Producer makes a new instance of an actor: once at spawn, and again at
// every restart, so the new instance starts from fresh state.
type Producer func() Actor

// Started is the first message every actor instance receives, before any
// message sent to it.
type Started struct{}

// Stopping is received when the actor begins to stop, before its children
// are stopped.
type Stopping struct{}

// Stopped is the last message an actor receives, after its children have
// stopped.
type Stopped struct{}

// Terminated tells a watcher that the watched actor has stopped, once. Reason
// is nil for a normal stop, a *PanicError when a panic stopped it, and
// ErrNotFound when it was already gone when watched.
type Terminated struct {
	PID    PID
	Reason error
}
