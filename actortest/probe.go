package actortest

import (
	"context"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/troupe-go/troupe/actor"
)

// DefaultTimeout is how long an Expect method waits when Probe.Timeout is
// zero. Under testing/synctest it passes at once when nothing else can
// happen.
const DefaultTimeout = 10 * time.Second

// probeKind is the kind of every probe, which FailOnLeftovers leaves out.
const probeKind = "actortest.Probe"

// Msg is one message a probe received.
type Msg struct {
	Message any
	Sender  actor.PID // zero when sent from outside any actor
}

// Probe is an actor that a test reads. Everything it receives, except its
// own Started, Stopping and Stopped, waits in an unbounded list, in order of
// arrival, until the test takes it with Receive or an Expect method. Give
// its PID to the actors under test as the one to answer or to watch.
//
// The Expect methods fail the test (t.Fatalf) when the next message is not
// the one expected, saying what arrived instead; they take the message
// either way. Use them from the test's goroutine.
type Probe struct {
	// Timeout bounds how long each Expect method waits for a message.
	// Zero means DefaultTimeout.
	Timeout time.Duration

	t   testing.TB
	sys Host
	pid actor.PID

	mu   sync.Mutex
	msgs []Msg
	wake chan struct{} // one token: a message was added
}

// watchReq asks the probe's actor to watch pids; its type is unexported so
// that no test message is mistaken for it.
type watchReq struct {
	pids []actor.PID
	done chan error
}

// Host is the System a probe lives on: an *actor.System, or a *System or
// *Node of this package, which embed one.
type Host interface {
	SpawnFunc(f func(c *actor.Context), opts ...actor.Option) (actor.PID, error)
	Send(pid actor.PID, msg any) error
	Stop(pid actor.PID) error
	Wait(ctx context.Context, pid actor.PID) (reason error, err error)
}

// NewProbe spawns a probe on sys with opts (WithName, for one) and stops
// it when the test ends. It fails the test if sys is nil or the spawn
// fails.
func NewProbe(t testing.TB, sys Host, opts ...actor.Option) *Probe {
	t.Helper()
	p := &Probe{t: t, sys: sys, wake: make(chan struct{}, 1)}
	if isNil(sys) {
		t.Fatalf("actortest: NewProbe: nil System")
		return p
	}
	opts = append([]actor.Option{actor.WithKind(probeKind)}, opts...)
	pid, err := sys.SpawnFunc(p.receive, opts...)
	if err != nil {
		t.Fatalf("actortest: spawn probe: %v", err)
		return p
	}
	p.pid = pid
	t.Cleanup(func() {
		if sys.Stop(pid) == nil {
			ctx, cancel := context.WithTimeout(context.Background(), DefaultTimeout)
			defer cancel()
			sys.Wait(ctx, pid)
		}
	})
	return p
}

// receive is the probe actor's Receive.
func (p *Probe) receive(c *actor.Context) {
	switch m := c.Message().(type) {
	case actor.Started, actor.Stopping, actor.Stopped:
		return
	case watchReq:
		var err error
		for _, pid := range m.pids {
			if e := c.Watch(pid); e != nil && err == nil {
				err = fmt.Errorf("watch %s: %w", name(pid), e)
			}
		}
		m.done <- err
		return
	}
	p.mu.Lock()
	p.msgs = append(p.msgs, Msg{Message: c.Message(), Sender: c.Sender()})
	p.mu.Unlock()
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// PID returns the probe's PID.
func (p *Probe) PID() actor.PID { return p.pid }

// Watch makes the probe watch pids, and returns once the watches are in
// place, so that no stop can slip past them: each stop then arrives as an
// actor.Terminated (see ExpectTerminated).
func (p *Probe) Watch(pids ...actor.PID) {
	p.t.Helper()
	if p.pid.IsZero() {
		p.t.Fatalf("actortest: Watch: the probe never started")
		return
	}
	done := make(chan error, 1)
	if err := p.sys.Send(p.pid, watchReq{pids: pids, done: done}); err != nil {
		p.t.Fatalf("actortest: probe %v: watch: %v", p.pid, err)
		return
	}
	select {
	case err := <-done:
		if err != nil {
			p.t.Fatalf("actortest: probe %v: %v", p.pid, err)
		}
	case <-time.After(p.timeout()):
		p.t.Fatalf("actortest: probe %v: the watch was not made within %v", p.pid, p.timeout())
	}
}

// Receive returns the next message, waiting for it until ctx is done. It
// never fails the test: it returns ctx.Err() instead (actor.ErrNilContext
// for a nil ctx).
func (p *Probe) Receive(ctx context.Context) (Msg, error) {
	if ctx == nil {
		return Msg{}, actor.ErrNilContext
	}
	for {
		p.mu.Lock()
		if len(p.msgs) > 0 {
			m := p.msgs[0]
			p.msgs[0] = Msg{}
			p.msgs = p.msgs[1:]
			p.mu.Unlock()
			return m, nil
		}
		p.mu.Unlock()
		select {
		case <-p.wake:
		case <-ctx.Done():
			return Msg{}, ctx.Err()
		}
	}
}

// Len returns how many messages wait to be read.
func (p *Probe) Len() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.msgs)
}

func (p *Probe) timeout() time.Duration {
	if p.Timeout > 0 {
		return p.Timeout
	}
	return DefaultTimeout
}

// next waits for the next message for the probe's timeout.
func (p *Probe) next() (Msg, bool) {
	ctx, cancel := context.WithTimeout(context.Background(), p.timeout())
	defer cancel()
	m, err := p.Receive(ctx)
	return m, err == nil
}

// ExpectMsg takes the next message and fails the test unless it equals want
// (reflect.DeepEqual). It returns the message with its sender.
func (p *Probe) ExpectMsg(want any) Msg {
	p.t.Helper()
	m, ok := p.next()
	if !ok {
		p.t.Fatalf("actortest: probe %v: want %s; nothing arrived within %v", p.pid, describe(want), p.timeout())
		return Msg{}
	}
	if !reflect.DeepEqual(m.Message, want) {
		p.t.Fatalf("actortest: probe %v: want %s; got %s%s", p.pid, describe(want), p.arrived(m), p.more())
	}
	return m
}

// ExpectMsgType takes the next message from p and fails the test unless it
// is a T. It returns the message.
func ExpectMsgType[T any](p *Probe) T {
	p.t.Helper()
	var zero T
	want := "a message of type " + reflect.TypeFor[T]().String()
	m, ok := p.next()
	if !ok {
		p.t.Fatalf("actortest: probe %v: want %s; nothing arrived within %v", p.pid, want, p.timeout())
		return zero
	}
	v, ok := m.Message.(T)
	if !ok {
		p.t.Fatalf("actortest: probe %v: want %s; got %s%s", p.pid, want, p.arrived(m), p.more())
		return zero
	}
	return v
}

// ExpectTerminated takes the next message and fails the test unless it is
// the actor.Terminated of pid, which the probe watches (see Watch). It
// returns the notice, whose Reason says why pid stopped.
func (p *Probe) ExpectTerminated(pid actor.PID) actor.Terminated {
	p.t.Helper()
	want := fmt.Sprintf("Terminated of %v", pid)
	m, ok := p.next()
	if !ok {
		p.t.Fatalf("actortest: probe %v: want %s; nothing arrived within %v", p.pid, want, p.timeout())
		return actor.Terminated{}
	}
	term, ok := m.Message.(actor.Terminated)
	if !ok || term.PID != pid {
		p.t.Fatalf("actortest: probe %v: want %s; got %s%s", p.pid, want, p.arrived(m), p.more())
		return actor.Terminated{}
	}
	return term
}

// ExpectNoMsg fails the test if a message arrives within d, or is already
// waiting. Under testing/synctest d passes at once when nothing else can
// happen.
func (p *Probe) ExpectNoMsg(d time.Duration) {
	p.t.Helper()
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	m, err := p.Receive(ctx)
	if err != nil {
		return
	}
	p.t.Fatalf("actortest: probe %v: want no message within %v; got %s after %v%s",
		p.pid, d, p.arrived(m), time.Since(start).Round(time.Millisecond), p.more())
}

// arrived describes a message that came instead of the one expected.
func (p *Probe) arrived(m Msg) string {
	s := describe(m.Message)
	if term, ok := m.Message.(actor.Terminated); ok {
		s = fmt.Sprintf("Terminated of %v (reason: %v)", term.PID, term.Reason)
	}
	if !m.Sender.IsZero() {
		s += " from " + m.Sender.String()
	}
	return s
}

// more says how many messages wait behind the one reported.
func (p *Probe) more() string {
	if n := p.Len(); n > 0 {
		return fmt.Sprintf(" (and %d more waiting)", n)
	}
	return ""
}

// isNil reports whether h is nil, or a nil pointer in an interface.
func isNil(h Host) bool {
	if h == nil {
		return true
	}
	v := reflect.ValueOf(h)
	return v.Kind() == reflect.Pointer && v.IsNil()
}

// name shows a PID, the zero one too.
func name(pid actor.PID) string {
	if pid.IsZero() {
		return "the zero PID"
	}
	return pid.String()
}

// describe shows a value with its type: composite values in Go syntax,
// which names the type, others as type(value).
func describe(v any) string {
	if v == nil {
		return "nil"
	}
	switch reflect.TypeOf(v).Kind() {
	case reflect.Struct, reflect.Map, reflect.Slice, reflect.Array, reflect.Pointer:
		return fmt.Sprintf("%#v", v)
	}
	return fmt.Sprintf("%T(%#v)", v, v)
}
