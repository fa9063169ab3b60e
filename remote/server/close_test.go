package server_test

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/troupe-go/troupe/internal/testkit"
	"github.com/troupe-go/troupe/remote/server"
)

// TestCloseClosesAtOnce checks that Close gives handlers no grace period:
// handlers blocked in a read that ignore their context are cut at once,
// and Close returns when they have returned.
func TestCloseClosesAtOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ln, rec := testkit.NewPipeListener(), newRecorder()
		srv := server.NewListener(ln, kindHandler(nil),
			server.WithStopTimeout(time.Hour), server.WithObserver(rec))
		served := make(chan error, 1)
		go func() { served <- srv.Serve() }()
		connectKinds(t, ln, "xx")

		start := time.Now()
		if err := srv.Close(); err != nil {
			t.Errorf("Close = %v, want nil: every handler returned once its connection was closed", err)
		}
		if elapsed := time.Since(start); elapsed != 0 {
			t.Errorf("Close took %v, want no time at all (no grace period)", elapsed)
		}
		if n := srv.Active(); n != 0 {
			t.Errorf("%d connections still open after Close returned", n)
		}
		if got := rec.drainReasons(); got[server.CloseForced] != 2 {
			t.Errorf("close reasons = %v, want 2 forced", got)
		}
		if err := <-served; !errors.Is(err, server.ErrClosed) {
			t.Errorf("Serve = %v, want ErrClosed", err)
		}
	})
}

// TestCloseOverTCP closes a server whose handler is blocked in a read of a
// real socket and never looks at its context.
func TestCloseOverTCP(t *testing.T) {
	entered, returned := make(chan struct{}), make(chan struct{})
	cause := make(chan error, 1)
	srv := startServer(t, func(ctx context.Context, conn net.Conn) {
		defer close(returned)
		close(entered)
		conn.Read(make([]byte, 1))
		cause <- context.Cause(ctx)
	}, server.WithStopTimeout(time.Hour))
	served := make(chan error, 1)
	go func() { served <- srv.Serve() }()
	c := testkit.Dial(t, srv.Addr())
	testkit.Recv(t, entered, "the handler")

	closed := make(chan error, 1)
	go func() { closed <- srv.Close() }()
	if err := testkit.Recv(t, closed, "Close to return"); err != nil {
		t.Fatalf("Close = %v, want nil", err)
	}
	select {
	case <-returned:
	default:
		t.Fatal("Close returned before the handler did")
	}
	if err := <-cause; !errors.Is(err, server.ErrClosed) {
		t.Errorf("handler's context cause = %v, want ErrClosed", err)
	}
	c.SetReadDeadline(time.Now().Add(testkit.WaitLimit))
	if _, err := c.Read(make([]byte, 1)); err != io.EOF {
		t.Errorf("client Read after Close = %v, want EOF", err)
	}
	if err := testkit.Recv(t, served, "Serve to return"); !errors.Is(err, server.ErrClosed) {
		t.Errorf("Serve = %v, want ErrClosed", err)
	}
	if c, err := net.Dial("tcp", srv.Addr()); err == nil {
		c.Close()
		t.Error("dial after Close succeeded; the listener should be closed")
	}
}

func TestCloseIdempotent(t *testing.T) {
	srv := startServer(t, echo)
	roundTrip(t, testkit.Dial(t, srv.Addr()), "hi")
	for i := range 2 {
		if err := srv.Close(); err != nil {
			t.Fatalf("Close #%d = %v, want nil", i+1, err)
		}
	}
	if err := srv.Stop(context.Background()); err != nil {
		t.Fatalf("Stop after Close = %v, want nil", err)
	}
	if err := srv.Start(); !errors.Is(err, server.ErrClosed) {
		t.Fatalf("Start after Close = %v, want ErrClosed", err)
	}
	if err := srv.Serve(); !errors.Is(err, server.ErrClosed) {
		t.Fatalf("Serve after Close = %v, want ErrClosed", err)
	}
}

func TestCloseBeforeStart(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := server.NewListener(ln, echo)
	if err := srv.Close(); err != nil {
		t.Fatalf("Close before Start = %v, want nil", err)
	}
	if err := srv.Start(); !errors.Is(err, server.ErrClosed) {
		t.Fatalf("Start after Close = %v, want ErrClosed", err)
	}
	if _, err := ln.Accept(); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("the given listener is still open after Close: Accept = %v", err)
	}
}

// TestCloseCutsStopShort calls Close while Stop waits out its grace period:
// both return at once, and Stop reports the connection it lost.
func TestCloseCutsStopShort(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ln, rec := testkit.NewPipeListener(), newRecorder()
		srv := server.NewListener(ln, kindHandler(nil),
			server.WithStopTimeout(time.Hour), server.WithObserver(rec))
		if err := srv.Start(); err != nil {
			t.Fatal(err)
		}
		connectKinds(t, ln, "x")

		start := time.Now()
		stopped := make(chan error, 1)
		go func() { stopped <- srv.Stop(context.Background()) }()
		synctest.Wait() // Stop is waiting for the handler
		if err := srv.Close(); err != nil {
			t.Errorf("Close = %v, want nil", err)
		}
		if err := <-stopped; !errors.Is(err, server.ErrStopTimeout) {
			t.Errorf("Stop = %v, want ErrStopTimeout: its connection was closed under the handler", err)
		}
		if elapsed := time.Since(start); elapsed != 0 {
			t.Errorf("Stop and Close took %v, want no time at all", elapsed)
		}
		if r := <-rec.closed; r != server.CloseForced {
			t.Errorf("close reason = %v, want forced", r)
		}
	})
}

func TestCloseConcurrentWithStop(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ln := testkit.NewPipeListener()
		srv := server.NewListener(ln, kindHandler(nil), server.WithStopTimeout(time.Hour))
		if err := srv.Start(); err != nil {
			t.Fatal(err)
		}
		connectKinds(t, ln, "xfx")

		start := time.Now()
		stopped, closed := make(chan error, 2), make(chan error, 2)
		for range 2 {
			go func() { stopped <- srv.Stop(context.Background()) }()
			go func() { closed <- srv.Close() }()
		}
		for range 2 {
			if err := <-stopped; err != nil && !errors.Is(err, server.ErrStopTimeout) {
				t.Errorf("Stop = %v, want nil or ErrStopTimeout", err)
			}
			if err := <-closed; err != nil {
				t.Errorf("Close = %v, want nil", err)
			}
		}
		if elapsed := time.Since(start); elapsed != 0 {
			t.Errorf("stopping took %v, want no time at all: Close skips the grace period", elapsed)
		}
		if n := srv.Active(); n != 0 {
			t.Errorf("%d connections still open", n)
		}
	})
}

// TestCloseLeavesAStuckHandler: a handler that ignores its context and its
// closed connection is reported, as by Stop, after ForcedCloseWait.
func TestCloseLeavesAStuckHandler(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ln := testkit.NewPipeListener()
		release := make(chan struct{})
		var logs testkit.LogBuffer
		srv := server.NewListener(ln, func(context.Context, net.Conn) { <-release },
			server.WithLogger(logs.Logger()))
		if err := srv.Start(); err != nil {
			t.Fatal(err)
		}
		ln.Dial()
		synctest.Wait()

		start := time.Now()
		if err := srv.Close(); !errors.Is(err, server.ErrStopTimeout) {
			t.Errorf("Close = %v, want ErrStopTimeout", err)
		}
		if elapsed := time.Since(start); elapsed != server.ForcedCloseWait {
			t.Errorf("Close took %v, want ForcedCloseWait (%v)", elapsed, server.ForcedCloseWait)
		}
		if got := logs.String(); !strings.Contains(got, "handlers still running") {
			t.Errorf("the stuck handler was not reported:\n%s", got)
		}
		if err := srv.Close(); err != nil {
			t.Errorf("second Close = %v, want nil", err)
		}
		close(release)
	})
}
