package actor

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/troupe-go/troupe/mailbox"
	"github.com/troupe-go/troupe/supervisor"
)

// DefaultStopGrace is how long a handler may keep running after its actor is
// asked to stop before the runtime reports that it ignores its context.
const DefaultStopGrace = time.Second

// System owns a set of actors: it spawns them, routes messages between them
// and stops them. A program usually has one. All its methods are safe for
// concurrent use. The zero System is not usable; make one with NewSystem.
type System struct {
	logger   *slog.Logger
	observer Observer
	grace    time.Duration
	guardian *supervisor.Strategy // for top-level actors
	children *supervisor.Strategy // for the children of actors spawned without WithSupervisor

	registry *registry
	stopped  atomic.Bool
	link     atomic.Pointer[link] // the Transport to other nodes; nil: none

	mu       sync.Mutex
	shutting bool
	live     int           // actors spawned and not yet stopped
	idle     chan struct{} // closed when live reaches 0 during Shutdown

	events      events
	limits      logLimits
	kinds       kinds
	deadLetters atomic.Uint64
	publishing  atomic.Int32 // dead-letter publications under way
	spinners    atomic.Int32 // actors yielding in goIdle, watching for more work
	procs       int32        // GOMAXPROCS when the System was made: how many may spin
	requests    requestStats
	lastDeadLog atomic.Int64
}

// SystemOption configures a System at NewSystem; the WithXxx functions
// make them, and a nil option is ignored.
type SystemOption interface {
	applySystem(*System)
}

// systemOption makes a plain function a SystemOption.
type systemOption func(*System)

func (f systemOption) applySystem(s *System) { f(s) }

// WithLogger sets the logger for panics, dead letters and slow stops. The
// default is slog.Default() as it is when NewSystem is called; the system
// never changes the default logger.
func WithLogger(l *slog.Logger) SystemOption {
	return systemOption(func(s *System) {
		if l != nil {
			s.logger = l
		}
	})
}

// WithObserver sets the instrumentation hooks (see Observer). The default is
// none, which costs nothing.
func WithObserver(o Observer) SystemOption {
	return systemOption(func(s *System) { s.observer = o })
}

// WithStopGrace sets how long a handler may keep running after its actor was
// asked to stop before it is reported (logged, and its stop reason wraps
// ErrIgnoredStop). Zero or less means DefaultStopGrace.
func WithStopGrace(d time.Duration) SystemOption {
	return systemOption(func(s *System) {
		if d > 0 {
			s.grace = d
		}
	})
}

// NewSystem returns a running actor system.
func NewSystem(opts ...SystemOption) *System {
	s := &System{logger: slog.Default(), grace: DefaultStopGrace, registry: newRegistry(), guardian: supervisor.Default(), children: supervisor.Default(),
		procs: int32(runtime.GOMAXPROCS(0))}
	for _, opt := range opts {
		if opt != nil {
			opt.applySystem(s)
		}
	}
	return s
}

// Send delivers msg to the actor pid. When its mailbox is full, Send follows
// the mailbox's overflow policy: under Block (the default) it waits for room.
// Sending to an actor that does not exist returns ErrNotFound and makes a
// dead letter.
func (s *System) Send(pid PID, msg any) error {
	return s.send(context.Background(), true, pid, msg, nil, nil)
}

// TrySend is Send that never waits: it returns mailbox.ErrFull when the
// mailbox of a Block actor is full.
func (s *System) TrySend(pid PID, msg any) error {
	return s.send(context.Background(), false, pid, msg, nil, nil)
}

// SendContext is Send that waits for room in a full mailbox only until ctx
// is done, and then returns ctx.Err(). A ctx already done delivers nothing.
func (s *System) SendContext(ctx context.Context, pid PID, msg any) error {
	if ctx == nil {
		return ErrNilContext
	}
	return s.send(ctx, true, pid, msg, nil, nil)
}

// send puts a message in pid's mailbox, or hands it to the Transport of
// pid's node; it waits for room until ctx is done only when wait is true.
func (s *System) send(ctx context.Context, wait bool, pid PID, msg any, sender *PID, reply *Future) error {
	if msg == nil {
		return ErrNilMessage
	}
	p, t, err := s.route(pid)
	if t != nil {
		return t.Send(ctx, wait, pid, pidOf(sender), msg, Reply{reply})
	}
	if err != nil {
		if err == ErrNotFound {
			s.deadLetter(pid, envelope{msg: msg, sender: sender, reply: reply}, ErrNotFound)
		}
		return err
	}
	return s.put(ctx, wait, p, msg, sender, reply)
}

// put queues a message in p's mailbox. It takes the envelope's parts, not
// an envelope: built here, the envelope goes to the queue in one copy, where
// one passed down by value is copied twice and stalls the store buffer on
// every send.
func (s *System) put(ctx context.Context, wait bool, p *process, msg any, sender *PID, reply *Future) error {
	var err error
	env := envelope{msg: msg, sender: sender, reply: reply}
	if wait {
		// A caller whose context is done has been told the send failed:
		// the message must not arrive.
		if err = ctx.Err(); err != nil {
			return err
		}
		err = p.mbox.Put(ctx, env)
	} else {
		err = p.mbox.TryPut(env)
	}
	if err == nil {
		p.schedule()
		return nil
	}
	if errors.Is(err, mailbox.ErrClosed) {
		s.deadLetter(p.pid(), env, ErrNotFound)
		return ErrNotFound
	}
	return err
}

func (s *System) lookup(id string) *process { return s.registry.load(id) }

// Stop asks the actor to stop after the message it is handling: the request
// jumps ahead of queued messages, which become dead letters. Its
// Context.Context is cancelled at once. Stop does not wait; use Wait for
// that. Stopping an actor that is already stopping is harmless.
func (s *System) Stop(pid PID) error {
	p, t, err := s.route(pid)
	if t != nil {
		return t.Stop(pid, false)
	}
	if err != nil {
		return err
	}
	p.requestStop(nil)
	return nil
}

// Poison asks the actor to stop once it has handled every message queued
// before the call. Messages sent after Poison become dead letters. Its
// Context.Context is cancelled when the stop begins, after those messages.
func (s *System) Poison(pid PID) error {
	p, t, err := s.route(pid)
	if t != nil {
		return t.Stop(pid, true)
	}
	if err != nil {
		return err
	}
	if !p.pushSystem(sysMsg{kind: sysPoison, mark: p.mbox.Mark()}) {
		return ErrNotFound
	}
	return nil
}

// Wait blocks until the actor has stopped and returns its stop reason: nil
// for a normal stop, a *PanicError if a panic stopped it. It returns
// ErrNotFound if the actor is already gone, and ctx.Err() if ctx ends first.
// After a Shutdown that ran out of time, Wait still waits for the actors it
// left running; once they are gone it returns ErrSystemStopped. Wait is for
// local actors (ErrNotLocal otherwise): watch a remote one instead.
func (s *System) Wait(ctx context.Context, pid PID) (reason error, err error) {
	if ctx == nil {
		return nil, ErrNilContext
	}
	p, t, err := s.route(pid)
	if t != nil {
		return nil, ErrNotLocal
	}
	if errors.Is(err, ErrSystemStopped) && s.canon(pid).Address == "" {
		if p = s.lookup(pid.ID); p != nil {
			err = nil
		}
	}
	if err != nil {
		return nil, err
	}
	select {
	case <-p.doneChan():
		return p.extra().reason, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Shutdown stops every actor, children before their parents, and waits for
// them until ctx is done. Actors still running then are logged by name and
// Shutdown returns an error wrapping ctx.Err(): Go cannot stop a goroutine
// from outside. Either way the system is stopped afterwards: every call that
// spawns, sends or stops returns ErrSystemStopped. A second Shutdown, like
// Wait, can still wait for the actors the first one left running; once
// every actor is gone it returns ErrSystemStopped.
func (s *System) Shutdown(ctx context.Context) error {
	if ctx == nil {
		return ErrNilContext
	}
	s.mu.Lock()
	if s.stopped.Load() {
		idle, left := s.idle, s.live
		s.mu.Unlock()
		if left == 0 {
			return ErrSystemStopped
		}
		return s.awaitIdle(ctx, idle)
	}
	s.shutting = true
	if s.idle == nil {
		s.idle = make(chan struct{})
		if s.live == 0 {
			close(s.idle)
		}
	}
	idle := s.idle
	s.mu.Unlock()

	s.registry.each(func(p *process) {
		if p.parent == nil {
			p.requestStop(nil)
		}
	})
	err := s.awaitIdle(ctx, idle)
	s.stopped.Store(true)
	return err
}

// awaitIdle waits until every actor has stopped or ctx is done, and then
// names the actors still running.
func (s *System) awaitIdle(ctx context.Context, idle <-chan struct{}) error {
	select {
	case <-idle:
		return nil
	case <-ctx.Done():
	}
	var stuck int
	s.registry.each(func(p *process) {
		stuck++
		if p.stopping() {
			s.logger.Error("actor: still stopping at shutdown", "pid", p.pid().String(), "kind", p.kind.name)
			return
		}
		s.logger.Error("actor: still running at shutdown; its handler ignores Context.Context",
			"pid", p.pid().String(), "kind", p.kind.name)
	})
	return fmt.Errorf("actor: shutdown left %d actors running: %w", stuck, ctx.Err())
}

// register counts a new actor, or refuses it once Shutdown has begun.
func (s *System) register(p *process) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.shutting {
		return ErrSystemStopped
	}
	if !s.registry.add(p) {
		return ErrNameTaken
	}
	s.live++
	return nil
}

// forget counts a stopped actor out: the last step of its stopping.
func (s *System) forget() {
	s.mu.Lock()
	s.live--
	if s.live == 0 && s.idle != nil {
		close(s.idle)
	}
	s.mu.Unlock()
}
