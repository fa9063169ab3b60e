package bench

import (
	"context"
	"errors"
	"fmt"
)

// Framework is one framework under test. Each workload method runs the
// workload once, in a process of its own, and reports what it measured.
// The harness samples the heap around the call; the method checks that
// every message arrived, once and in order per sender, and says so in the
// Result: a loss is reported, never hidden.
type Framework interface {
	// Name identifies the framework in flags and results ("troupe").
	Name() string
	// Version is the version measured: a module version, a package version.
	Version() string

	// OneWay: Senders goroutines send Messages in all to one actor.
	OneWay(ctx context.Context, p OneWay) (Result, error)
	// PingPong: Pairs of actors; each pinger sends Batch pings, waits for
	// their pongs, and goes on until Messages pings have been answered.
	PingPong(ctx context.Context, p PingPong) (Result, error)
	// Request: sequential request/response from outside the system.
	Request(ctx context.Context, p Request) (Result, error)
	// Bounded: Senders goroutines send PerSender messages each to one actor
	// whose mailbox holds Capacity; the Result says what a full mailbox did.
	Bounded(ctx context.Context, p Bounded) (Result, error)
	// SpawnStop: from a new system, spawn Actors actors (all alive at once),
	// then stop them all and wait for each.
	SpawnStop(ctx context.Context, p Spawn) (Result, error)
	// IdleMemory: Actors named actors, each idle after one message; the
	// Result's BytesPerActor is heap and stacks after GC.
	IdleMemory(ctx context.Context, p Spawn) (Result, error)

	// RemoteServer is the server process of the remote workloads: it
	// serves until ctx is done, after calling ready with its address.
	RemoteServer(ctx context.Context, ready func(addr string)) error
	// RemoteOneWay: Senders goroutines, each to its own actor in the
	// server process at p.Addr, Messages in all.
	RemoteOneWay(ctx context.Context, p RemoteOneWay) (Result, error)
	// RemoteRequest: sequential request/response to an actor at p.Addr,
	// with P50 and P99.
	RemoteRequest(ctx context.Context, p RemoteRequest) (Result, error)

	// EchoServer serves the line echo protocol (every line sent comes
	// back) until ctx is done, after calling ready with its address. The
	// same Go client (EchoClient) loads every framework's server.
	EchoServer(ctx context.Context, ready func(addr string)) error
}

// ServerStarter is implemented by a framework whose servers are not Go code
// of this binary (gevent): it starts the server process for role ("echo",
// "remote") itself, speaking the protocol of Serve.
type ServerStarter interface {
	StartServer(ctx context.Context, role string) (*Server, error)
}

// ErrNotApplicable says a framework has no such workload; the results show
// the reason that wraps it.
var ErrNotApplicable = errors.New("not applicable")

// ErrNotInstalled says a framework cannot run here at all (gevent without
// its Python package); such an error wraps ErrNotApplicable too.
var ErrNotInstalled = errors.New("not installed")

// NotInstalled returns an error wrapping ErrNotInstalled with a reason.
func NotInstalled(reason string) error {
	return fmt.Errorf("%w (%w)", NotApplicable(reason), ErrNotInstalled)
}

// NotApplicable returns an error wrapping ErrNotApplicable with a reason.
func NotApplicable(reason string) error {
	return &naError{reason}
}

type naError struct{ reason string }

func (e *naError) Error() string { return e.reason }
func (e *naError) Unwrap() error { return ErrNotApplicable }

// Unsupported implements every workload as not applicable. A framework
// embeds it and implements what it has.
type Unsupported struct{}

func (Unsupported) OneWay(context.Context, OneWay) (Result, error) {
	return Result{}, NotApplicable("no local actors")
}
func (Unsupported) PingPong(context.Context, PingPong) (Result, error) {
	return Result{}, NotApplicable("no local actors")
}
func (Unsupported) Request(context.Context, Request) (Result, error) {
	return Result{}, NotApplicable("no local actors")
}
func (Unsupported) Bounded(context.Context, Bounded) (Result, error) {
	return Result{}, NotApplicable("no local actors")
}
func (Unsupported) SpawnStop(context.Context, Spawn) (Result, error) {
	return Result{}, NotApplicable("no local actors")
}
func (Unsupported) IdleMemory(context.Context, Spawn) (Result, error) {
	return Result{}, NotApplicable("no local actors")
}
func (Unsupported) RemoteServer(context.Context, func(string)) error {
	return NotApplicable("no remote actors")
}
func (Unsupported) RemoteOneWay(context.Context, RemoteOneWay) (Result, error) {
	return Result{}, NotApplicable("no remote actors")
}
func (Unsupported) RemoteRequest(context.Context, RemoteRequest) (Result, error) {
	return Result{}, NotApplicable("no remote actors")
}
func (Unsupported) EchoServer(context.Context, func(string)) error {
	return NotApplicable("no stream server")
}
