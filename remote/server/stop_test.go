package server_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/troupe-go/troupe/internal/testkit"
	"github.com/troupe-go/troupe/remote/server"
)

// kindHandler behaves as the first byte the client sends says:
//
//	'f' returns as soon as the server stops,
//	's' returns 300 ms after the server stops,
//	'x' ignores the server and reads until its connection is closed.
func kindHandler(slowDone *atomic.Bool) server.Handler {
	return func(ctx context.Context, conn net.Conn) {
		var kind [1]byte
		if _, err := io.ReadFull(conn, kind[:]); err != nil {
			return
		}
		switch kind[0] {
		case 'f':
			<-ctx.Done()
		case 's':
			<-ctx.Done()
			time.Sleep(300 * time.Millisecond)
			slowDone.Store(true)
		case 'x':
			io.Copy(io.Discard, conn)
		}
	}
}

// connectKinds opens one connection per kind and waits until every
// handler has read its kind.
func connectKinds(t *testing.T, ln *testkit.PipeListener, kinds string) {
	for i := range len(kinds) {
		c := ln.Dial()
		t.Cleanup(func() { c.Close() })
		if _, err := c.Write([]byte{kinds[i]}); err != nil { // returns once read
			t.Fatal(err)
		}
	}
	synctest.Wait()
}

func TestStopGracePeriod(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ln, rec := testkit.NewPipeListener(), newRecorder()
		var slowDone atomic.Bool
		srv := server.NewListener(ln, kindHandler(&slowDone),
			server.WithStopTimeout(time.Second), server.WithObserver(rec))
		if err := srv.Start(); err != nil {
			t.Fatal(err)
		}
		connectKinds(t, ln, "fsx")

		start := time.Now()
		err := srv.Stop(context.Background())
		if elapsed := time.Since(start); elapsed != time.Second {
			t.Errorf("Stop took %v, want exactly the stop timeout (1s)", elapsed)
		}
		if !errors.Is(err, server.ErrStopTimeout) {
			t.Errorf("Stop = %v, want ErrStopTimeout", err)
		}
		if !slowDone.Load() {
			t.Error("the slow handler did not get to finish within the grace period")
		}
		got := rec.drainReasons()
		if got[server.CloseNormal] != 2 || got[server.CloseForced] != 1 {
			t.Errorf("close reasons = %v, want 2 normal and 1 forced", got)
		}
	})
}

func TestStopReturnsWhenHandlersFinish(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ln := testkit.NewPipeListener()
		var slowDone atomic.Bool
		srv := server.NewListener(ln, kindHandler(&slowDone), server.WithStopTimeout(time.Minute))
		if err := srv.Start(); err != nil {
			t.Fatal(err)
		}
		connectKinds(t, ln, "ffs")
		start := time.Now()
		if err := srv.Stop(context.Background()); err != nil {
			t.Errorf("Stop = %v, want nil: every handler returned in time", err)
		}
		if elapsed := time.Since(start); elapsed != 300*time.Millisecond {
			t.Errorf("Stop took %v, want 300ms, when the last handler returned", elapsed)
		}
	})
}

func TestStopContextShorterThanTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ln, rec := testkit.NewPipeListener(), newRecorder()
		srv := server.NewListener(ln, kindHandler(nil), server.WithStopTimeout(time.Second), server.WithObserver(rec))
		if err := srv.Start(); err != nil {
			t.Fatal(err)
		}
		connectKinds(t, ln, "fx")
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		defer cancel()
		start := time.Now()
		if err := srv.Stop(ctx); !errors.Is(err, server.ErrStopTimeout) {
			t.Errorf("Stop = %v, want ErrStopTimeout", err)
		}
		if elapsed := time.Since(start); elapsed != 200*time.Millisecond {
			t.Errorf("Stop took %v, want the context's 200ms", elapsed)
		}
		if got := rec.drainReasons(); got[server.CloseNormal] != 1 || got[server.CloseForced] != 1 {
			t.Errorf("close reasons = %v, want 1 normal and 1 forced", got)
		}
	})
}

func TestStopTimeoutZeroClosesAtOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ln, rec := testkit.NewPipeListener(), newRecorder()
		srv := server.NewListener(ln, kindHandler(nil), server.WithStopTimeout(0), server.WithObserver(rec))
		if err := srv.Start(); err != nil {
			t.Fatal(err)
		}
		connectKinds(t, ln, "x")
		start := time.Now()
		if err := srv.Stop(context.Background()); !errors.Is(err, server.ErrStopTimeout) {
			t.Errorf("Stop = %v, want ErrStopTimeout", err)
		}
		if elapsed := time.Since(start); elapsed != 0 {
			t.Errorf("Stop took %v, want no time at all", elapsed)
		}
		if r := <-rec.closed; r != server.CloseForced {
			t.Errorf("close reason = %v, want forced", r)
		}
	})
}

func TestStopLeavesAStuckHandler(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ln, rec := testkit.NewPipeListener(), newRecorder()
		release := make(chan struct{})
		var logs testkit.LogBuffer
		srv := server.NewListener(ln, func(context.Context, net.Conn) { <-release },
			server.WithStopTimeout(time.Second), server.WithObserver(rec), server.WithLogger(logs.Logger()))
		if err := srv.Start(); err != nil {
			t.Fatal(err)
		}
		ln.Dial()
		synctest.Wait()

		start := time.Now()
		if err := srv.Stop(context.Background()); !errors.Is(err, server.ErrStopTimeout) {
			t.Errorf("Stop = %v, want ErrStopTimeout", err)
		}
		if want := time.Second + server.ForcedCloseWait; time.Since(start) != want {
			t.Errorf("Stop took %v, want %v: grace period, then the wait after closing", time.Since(start), want)
		}
		if got := logs.String(); !strings.Contains(got, "handlers still running") {
			t.Errorf("the stuck handler was not reported:\n%s", got)
		}
		close(release)
		if r := <-rec.closed; r != server.CloseForced {
			t.Errorf("close reason = %v, want forced", r)
		}
	})
}

func TestConcurrentStops(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ln := testkit.NewPipeListener()
		srv := server.NewListener(ln, kindHandler(nil), server.WithStopTimeout(time.Second))
		if err := srv.Start(); err != nil {
			t.Fatal(err)
		}
		connectKinds(t, ln, "x")
		errs := make(chan error, 2)
		start := time.Now()
		for range 2 {
			go func() { errs <- srv.Stop(context.Background()) }()
		}
		first, second := <-errs, <-errs
		if elapsed := time.Since(start); elapsed != time.Second {
			t.Errorf("Stops returned after %v, want 1s", elapsed)
		}
		if errors.Is(first, server.ErrStopTimeout) == errors.Is(second, server.ErrStopTimeout) {
			t.Errorf("Stop results %v and %v: want one ErrStopTimeout (the stopper) and one nil", first, second)
		}
	})
}

// TestStopOverTCP checks the grace period with real sockets and the wall
// clock, as an upper bound.
func TestStopOverTCP(t *testing.T) {
	const grace = 200 * time.Millisecond
	var slowDone atomic.Bool
	rec := newRecorder()
	srv := startServer(t, kindHandler(&slowDone), server.WithStopTimeout(grace), server.WithObserver(rec))
	for _, kind := range "fx" {
		c := testkit.Dial(t, srv.Addr())
		c.Write([]byte{byte(kind)})
	}
	testkit.Recv(t, rec.accepted, "accept")
	testkit.Recv(t, rec.accepted, "accept")

	start := time.Now()
	err := srv.Stop(context.Background())
	elapsed := time.Since(start)
	if !errors.Is(err, server.ErrStopTimeout) {
		t.Errorf("Stop = %v, want ErrStopTimeout", err)
	}
	if elapsed < grace || elapsed > grace+2*time.Second {
		t.Errorf("Stop took %v, want the %v grace period and little more", elapsed, grace)
	}
	if srv.Active() != 0 {
		t.Errorf("%d connections still open after Stop", srv.Active())
	}
}

func TestStopOnEvent(t *testing.T) {
	stop := server.NewEvent()
	srv := server.New("127.0.0.1:0", echo)
	srv.StopOn(stop) // before Start: armed by Start
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	c := testkit.Dial(t, srv.Addr())
	roundTrip(t, c, "hi")
	served := make(chan error, 1)
	go func() { served <- srv.Serve() }()

	go stop.Set()
	if err := testkit.Recv(t, served, "Serve to return"); !errors.Is(err, server.ErrClosed) {
		t.Fatalf("Serve = %v, want ErrClosed", err)
	}
	if err := srv.Start(); !errors.Is(err, server.ErrClosed) {
		t.Fatalf("Start after the event = %v, want ErrClosed", err)
	}
}

func TestStopOnEventAfterStart(t *testing.T) {
	srv := startServer(t, echo)
	stop := server.NewEvent()
	srv.StopOn(stop)
	stop.Set()
	if err := srv.Serve(); !errors.Is(err, server.ErrClosed) {
		t.Fatalf("Serve = %v, want ErrClosed", err)
	}
	srv.StopOn(server.NewEvent()) // on a stopped server: nothing to watch
}

func TestStopOnEventAlreadySet(t *testing.T) {
	stop := server.NewEvent()
	stop.Set()
	srv := server.New("127.0.0.1:0", echo)
	srv.StopOn(stop)
	if err := srv.Start(); !errors.Is(err, server.ErrClosed) {
		t.Fatalf("Start = %v, want ErrClosed", err)
	}
	if err := srv.Serve(); !errors.Is(err, server.ErrClosed) {
		t.Fatalf("Serve = %v, want ErrClosed", err)
	}
}

func TestStopOnNilPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("StopOn(nil) did not panic")
		}
	}()
	server.New("127.0.0.1:0", echo).StopOn(nil)
}

// stopNoPanic calls Stop and turns a panic into an error.
func stopNoPanic(srv *server.Server, ctx context.Context) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("Stop panicked: %v", v)
		}
	}()
	return srv.Stop(ctx)
}

func TestStopNilContext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var nilCtx context.Context
		ln := testkit.NewPipeListener()
		srv := server.NewListener(ln, kindHandler(nil))
		if err := stopNoPanic(srv, nilCtx); !errors.Is(err, server.ErrNilContext) {
			t.Fatalf("Stop(nil) before Start = %v, want ErrNilContext", err)
		}
		if err := srv.Start(); err != nil {
			t.Fatalf("Start after Stop(nil) = %v, want nil: Stop(nil) changes nothing", err)
		}
		served := make(chan error, 1)
		go func() { served <- srv.Serve() }()
		connectKinds(t, ln, "x")

		if err := stopNoPanic(srv, nilCtx); !errors.Is(err, server.ErrNilContext) {
			t.Fatalf("Stop(nil) on a running server = %v, want ErrNilContext", err)
		}
		connectKinds(t, ln, "x") // the server still serves
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := srv.Stop(ctx); !errors.Is(err, server.ErrStopTimeout) {
			t.Fatalf("Stop after Stop(nil) = %v, want ErrStopTimeout after the grace period", err)
		}
		if err := <-served; !errors.Is(err, server.ErrClosed) {
			t.Fatalf("Serve = %v, want ErrClosed", err)
		}
		if err := stopNoPanic(srv, nilCtx); !errors.Is(err, server.ErrNilContext) {
			t.Fatalf("Stop(nil) on a stopped server = %v, want ErrNilContext", err)
		}
	})
}

// panickyListener panics in its first Close, after closing.
type panickyListener struct {
	*testkit.PipeListener
	panicked atomic.Bool
}

func (l *panickyListener) Close() error {
	l.PipeListener.Close()
	if l.panicked.CompareAndSwap(false, true) {
		panic("listener close failed")
	}
	return nil
}

// TestStopAfterFailedStop checks that a Stop that fails half-way leaves a
// server that a later Stop can still stop.
func TestStopAfterFailedStop(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ln := &panickyListener{PipeListener: testkit.NewPipeListener()}
		srv := server.NewListener(ln, kindHandler(nil), server.WithStopTimeout(time.Second))
		served := make(chan error, 1)
		go func() { served <- srv.Serve() }()
		connectKinds(t, ln.PipeListener, "f")

		if err := stopNoPanic(srv, context.Background()); err == nil || !strings.Contains(err.Error(), "panicked") {
			t.Fatalf("first Stop = %v, want the listener's panic", err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		start := time.Now()
		if err := srv.Stop(ctx); err != nil {
			t.Fatalf("second Stop = %v, want nil", err)
		}
		if elapsed := time.Since(start); elapsed != 0 {
			t.Errorf("second Stop took %v, want no time: the handler returns when its context ends", elapsed)
		}
		if err := <-served; !errors.Is(err, server.ErrClosed) {
			t.Fatalf("Serve = %v, want ErrClosed", err)
		}
	})
}
