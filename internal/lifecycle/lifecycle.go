package lifecycle

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// A Lifecycle runs one component's stop. Make it with New; its methods are
// safe for concurrent use.
type Lifecycle struct {
	quit   chan struct{} // closed when the stop begins
	force  chan struct{} // closed when the stop may wait no longer
	done   chan struct{} // closed when the shutdown has finished
	begun  atomic.Bool   // quit is closed; cheap enough for every send
	closed atomic.Bool   // Close was called

	mu       sync.Mutex
	forced   bool          // force is closed
	finished bool          // done is closed
	running  chan struct{} // closed when the running shutdown returns; nil: none runs
	triggers []<-chan struct{}
	watchers sync.WaitGroup // StopOn goroutines; a shutdown waits for them
}

// New returns a Lifecycle that has not begun to stop.
func New() *Lifecycle {
	return &Lifecycle{quit: make(chan struct{}), force: make(chan struct{}), done: make(chan struct{})}
}

// Quit is closed when the stop begins: the owner accepts no new work.
func (l *Lifecycle) Quit() <-chan struct{} { return l.quit }

// Forced is closed when the grace period is over, by the stop's context,
// its timeout or Close: whatever the shutdown still waits for is cut.
func (l *Lifecycle) Forced() <-chan struct{} { return l.force }

// Done is closed once a shutdown has run to its end.
func (l *Lifecycle) Done() <-chan struct{} { return l.done }

// Stopping reports whether the stop has begun.
func (l *Lifecycle) Stopping() bool { return l.begun.Load() }

// Closed reports whether Close was called, so an owner can tell a forced
// end that was asked for from one that timed out.
func (l *Lifecycle) Closed() bool { return l.closed.Load() }

// Stop begins the stop and runs shutdown, graceful until ctx is done or
// grace has passed (no limit when grace is negative), then forced. Only
// one shutdown runs at a time: a later or concurrent Stop waits for the
// running one, or for its own ctx (returning ctx.Err()), and returns nil.
// If shutdown panics, the panic goes on up and the next Stop or Close runs
// shutdown again, so every step of it must be safe to repeat.
//
// shutdown's error is Stop's; StopOn goroutines have returned before Done
// is closed.
func (l *Lifecycle) Stop(ctx context.Context, grace time.Duration, shutdown func() error) error {
	l.mu.Lock()
	l.beginLocked()
	for {
		if l.finished {
			l.mu.Unlock()
			return nil
		}
		if l.running == nil {
			l.running = make(chan struct{})
			l.mu.Unlock()
			return l.run(ctx, grace, shutdown)
		}
		running := l.running
		l.mu.Unlock()
		select {
		case <-running:
		case <-ctx.Done():
			return ctx.Err()
		}
		l.mu.Lock()
	}
}

// Close begins the stop with no grace period: Forced is closed at once.
// If no shutdown has finished, it runs shutdown or waits for the running
// one, as Stop does with a context that never ends. It reports whether
// this call is the first Close.
func (l *Lifecycle) Close(shutdown func() error) (first bool, err error) {
	first = !l.closed.Swap(true)
	l.mu.Lock()
	l.beginLocked()
	l.forceLocked()
	l.mu.Unlock()
	return first, l.Stop(context.Background(), 0, shutdown)
}

// Force ends the grace period of a running stop.
func (l *Lifecycle) Force() {
	l.mu.Lock()
	l.forceLocked()
	l.mu.Unlock()
}

// StopOn calls stop (in a goroutine of its own) when ch is closed, unless
// the stop has begun by then. It does nothing once the stop has begun.
func (l *Lifecycle) StopOn(ch <-chan struct{}, stop func()) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.begun.Load() {
		return
	}
	l.triggers = append(l.triggers, ch)
	l.watchers.Add(1)
	go func() {
		select {
		case <-ch:
			// Leave the group first: the shutdown that stop runs waits
			// for the watchers.
			l.watchers.Done()
			stop()
		case <-l.quit:
			l.watchers.Done()
		}
	}()
}

// Triggered reports whether a channel given to StopOn is already closed,
// whether or not its goroutine has called stop yet.
func (l *Lifecycle) Triggered() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, ch := range l.triggers {
		select {
		case <-ch:
			return true
		default:
		}
	}
	return false
}

// run is the body of the Stop that runs the shutdown.
func (l *Lifecycle) run(ctx context.Context, grace time.Duration, shutdown func() error) (err error) {
	completed := false
	defer func() {
		l.mu.Lock()
		if completed {
			l.finished = true
			close(l.done)
		}
		close(l.running)
		l.running = nil
		l.mu.Unlock()
	}()
	stopCtx := context.AfterFunc(ctx, l.Force)
	defer stopCtx()
	if grace >= 0 {
		t := time.AfterFunc(grace, l.Force)
		defer t.Stop()
	}
	err = shutdown()
	l.watchers.Wait()
	completed = true
	return err
}

func (l *Lifecycle) beginLocked() {
	if !l.begun.Load() {
		l.begun.Store(true)
		close(l.quit)
	}
}

func (l *Lifecycle) forceLocked() {
	if !l.forced {
		l.forced = true
		close(l.force)
	}
}
