package server_test

import (
	"errors"
	"os"
	"os/signal"
	"syscall"
	"testing"

	"github.com/troupe-go/troupe/internal/testkit"
	"github.com/troupe-go/troupe/remote/server"
)

// The signal tests send signals to the test process itself, so they do
// not run in parallel. SIGUSR1 is ignored by Go programs by default, so a
// mistake here cannot kill the test binary.

func TestStopOnSignal(t *testing.T) {
	stop := server.NewEvent()
	undo := server.SetOnSignal(stop, syscall.SIGUSR1)
	defer undo()
	srv := startServer(t, echo)
	srv.StopOn(stop)
	roundTrip(t, testkit.Dial(t, srv.Addr()), "before the signal")

	served := make(chan error, 1)
	go func() { served <- srv.Serve() }()
	if err := syscall.Kill(os.Getpid(), syscall.SIGUSR1); err != nil {
		t.Fatal(err)
	}
	if err := testkit.Recv(t, served, "Serve to return after the signal"); !errors.Is(err, server.ErrClosed) {
		t.Fatalf("Serve = %v, want ErrClosed", err)
	}
	if !stop.IsSet() {
		t.Fatal("event not set by the signal")
	}
	// The process goes on, and so may a new server.
	roundTrip(t, testkit.Dial(t, startServer(t, echo).Addr()), "after the signal")
}

func TestSetOnSignalUndo(t *testing.T) {
	ev := server.NewEvent()
	undo := server.SetOnSignal(ev, syscall.SIGUSR1)
	undo()
	undo() // idempotent

	// After undo, the signal no longer reaches ev. The test's own
	// registration tells when the signal has been delivered.
	seen := make(chan os.Signal, 1)
	signal.Notify(seen, syscall.SIGUSR1)
	defer signal.Stop(seen)
	if err := syscall.Kill(os.Getpid(), syscall.SIGUSR1); err != nil {
		t.Fatal(err)
	}
	testkit.Recv(t, seen, "the signal")
	if ev.IsSet() {
		t.Fatal("event set by a signal after undo")
	}
}

func TestSetOnSignalEndsWhenEventSet(t *testing.T) {
	ev := server.NewEvent()
	undo := server.SetOnSignal(ev) // default signals
	ev.Set()
	undo() // returns only once the goroutine has ended; goleak checks it
}

func TestSetOnSignalNilPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("SetOnSignal(nil) did not panic")
		}
	}()
	server.SetOnSignal(nil, syscall.SIGUSR1)
}
