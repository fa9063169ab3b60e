package actortest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/troupe-go/troupe/actor"
)

// ShutdownTimeout is how long a test System's cleanup waits for its actors
// to stop.
const ShutdownTimeout = 5 * time.Second

// System is an actor.System for one test. It fails the test:
//   - when a failure escapes supervision: a top-level actor stopped by a
//     panic (its guardian gave up, or decided Stop), unless AllowEscapes
//     was called; panics that supervision absorbed (restart, resume) are
//     only logged;
//   - on a dead letter, once FailOnDeadLetters was called, unless one of
//     its matchers expects it;
//   - when actors are still running after the cleanup's Shutdown
//     (ShutdownTimeout): a handler that ignores Context.Context; and, once
//     FailOnLeftovers was called, when any actor (probes aside) is still
//     running when the cleanup begins.
//
// The runtime's log goes to a buffer that the test's log shows when the
// test fails (see Logs). All of actor.System's methods are there.
type System struct {
	*actor.System
	t    testing.TB
	logs *logBuffer

	mu       sync.Mutex
	escapes  bool                          // AllowEscapes was called
	dead     bool                          // FailOnDeadLetters was called
	strict   bool                          // FailOnLeftovers was called
	expected []func(actor.DeadLetter) bool // dead letters FailOnDeadLetters allows
	closing  bool                          // the cleanup has begun: nothing more is checked
}

// NewSystem returns a System made with opts, shut down when the test ends
// (t must not be nil). A WithLogger among opts replaces the test's log
// buffer.
func NewSystem(t testing.TB, opts ...actor.SystemOption) *System {
	t.Helper()
	s := &System{t: t, logs: new(logBuffer)}
	opts = append([]actor.SystemOption{actor.WithLogger(s.logs.logger())}, opts...)
	s.System = actor.NewSystem(opts...)
	unsubscribe := s.Subscribe(s.event)
	t.Cleanup(func() {
		s.mu.Lock()
		s.closing = true
		strict := s.strict
		s.mu.Unlock()
		if left := s.alive(probeKind); strict && left != "" {
			t.Errorf("actortest: actors left running at cleanup: %s", left)
		}
		ctx, cancel := context.WithTimeout(context.Background(), ShutdownTimeout)
		defer cancel()
		if err := s.Shutdown(ctx); err != nil && !errors.Is(err, actor.ErrSystemStopped) {
			t.Errorf("actortest: actors still running at cleanup: %s (%v)", s.alive(""), err)
		}
		unsubscribe()
		if t.Failed() {
			if logs := s.logs.String(); logs != "" {
				t.Logf("actortest: the runtime's log:\n%s", logs)
			}
		}
	})
	return s
}

// AllowEscapes stops the System from failing the test when a failure
// escapes supervision: for a test of that very thing.
func (s *System) AllowEscapes() {
	s.mu.Lock()
	s.escapes = true
	s.mu.Unlock()
}

// FailOnDeadLetters makes every dead letter from now on fail the test,
// except those that one of expected reports true for (nil ones are
// ignored). A second call adds to the expected. Dead letters made by the
// cleanup's Shutdown are not checked.
func (s *System) FailOnDeadLetters(expected ...func(actor.DeadLetter) bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dead = true
	for _, f := range expected {
		if f != nil {
			// A new slice: event reads the old one without the lock.
			s.expected = append(s.expected[:len(s.expected):len(s.expected)], f)
		}
	}
}

// FailOnLeftovers makes the cleanup fail the test when actors other than
// probes are still running as it begins: a test that means to stop what it
// started. Without it the cleanup's Shutdown stops them quietly.
func (s *System) FailOnLeftovers() {
	s.mu.Lock()
	s.strict = true
	s.mu.Unlock()
}

// Logs returns what the runtime has logged so far, one record a line.
func (s *System) Logs() string { return s.logs.String() }

// event checks what the System publishes; it runs on the goroutine where
// the event happened, so it reports with Errorf, never Fatalf. The test's
// functions run without the lock: they may call the System.
func (s *System) event(ev actor.Event) {
	s.mu.Lock()
	closing, escapes, dead, expected := s.closing, s.escapes, s.dead, s.expected
	s.mu.Unlock()
	if closing {
		return
	}
	switch e := ev.(type) {
	case actor.ActorStopped:
		var perr *actor.PanicError
		if !escapes && e.Parent.IsZero() && errors.As(e.Reason, &perr) {
			s.t.Errorf("actortest: a failure escaped supervision: %v (%s) stopped: %v\n%s", e.PID, e.Kind, e.Reason, perr.Stack())
		}
	case actor.DeadLetter:
		if !dead {
			return
		}
		for _, ok := range expected {
			if ok(e) {
				return
			}
		}
		s.t.Errorf("actortest: unexpected %v: %s", e, describe(e.Message))
	}
}

// alive names the kinds of the actors still running, with their number,
// but for the kind except; "" when there are none.
func (s *System) alive(except string) string {
	var parts []string
	for _, k := range s.Snapshot().Kinds {
		if k.Kind != except {
			parts = append(parts, fmt.Sprintf("%d %s", k.Alive, k.Kind))
		}
	}
	return strings.Join(parts, ", ")
}

// maxLog bounds the log a System keeps: a test that floods it keeps the
// beginning, where the first failure usually is.
const maxLog = 1 << 20

// logBuffer keeps the runtime's log for the test's output.
type logBuffer struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	lost int // bytes not kept
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.buf.Len()+len(p) > maxLog {
		b.lost += len(p)
		return len(p), nil
	}
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.lost > 0 {
		return fmt.Sprintf("%s... (%d more bytes not kept)\n", b.buf.String(), b.lost)
	}
	return b.buf.String()
}

func (b *logBuffer) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(b, &slog.HandlerOptions{Level: slog.LevelDebug}))
}
