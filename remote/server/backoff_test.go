package server_test

import (
	"context"
	"errors"
	"net"
	"os"
	"slices"
	"sync"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/troupe-go/troupe/internal/testkit"
	"github.com/troupe-go/troupe/remote/server"
)

// scriptListener answers Accept from a script: an error, or nil for a
// connection. When the script runs out it closes out and blocks until
// closed. It notes the (synctest) time of every call.
type scriptListener struct {
	mu      sync.Mutex
	script  []error
	calls   []time.Time
	out     chan struct{} // closed when the script has run out
	outOnce sync.Once
	closed  chan struct{}
	once    sync.Once
}

func newScriptListener(script ...error) *scriptListener {
	return &scriptListener{script: script, out: make(chan struct{}), closed: make(chan struct{})}
}

func (l *scriptListener) Accept() (net.Conn, error) {
	l.mu.Lock()
	l.calls = append(l.calls, time.Now())
	if len(l.script) == 0 {
		l.mu.Unlock()
		l.outOnce.Do(func() { close(l.out) })
		<-l.closed
		return nil, net.ErrClosed
	}
	err := l.script[0]
	l.script = l.script[1:]
	l.mu.Unlock()
	if err != nil {
		return nil, err
	}
	srvEnd, client := net.Pipe()
	client.Close()
	return srvEnd, nil
}

func (l *scriptListener) Close() error {
	l.once.Do(func() { close(l.closed) })
	return nil
}

func (l *scriptListener) Addr() net.Addr { return testkit.PipeAddr{} }

// gaps returns the time between successive Accept calls.
func (l *scriptListener) gaps() []time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	var gaps []time.Duration
	for i := 1; i < len(l.calls); i++ {
		gaps = append(gaps, l.calls[i].Sub(l.calls[i-1]))
	}
	return gaps
}

// emfile is the error accept gives when the process is out of file
// descriptors: temporary.
var emfile = &net.OpError{Op: "accept", Net: "tcp", Err: os.NewSyscallError("accept", syscall.EMFILE)}

func TestTemporaryErrors(t *testing.T) {
	if !server.IsTemporary(emfile) {
		t.Error("EMFILE is not taken as temporary")
	}
	if server.IsTemporary(errors.New("boom")) || server.IsTemporary(net.ErrClosed) {
		t.Error("a plain error is taken as temporary")
	}
}

func TestAcceptBackoff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const ms = time.Millisecond
		var script []error
		for range 7 {
			script = append(script, emfile)
		}
		script = append(script, nil, emfile, emfile) // a success resets the delay
		ln, rec := newScriptListener(script...), newRecorder()
		srv := server.NewListener(ln, func(context.Context, net.Conn) {},
			server.WithAcceptBackoff(10*ms, 100*ms), server.WithObserver(rec))
		server.NoJitter(srv) // the jitter's range is internal/backoff's to test
		if err := srv.Start(); err != nil {
			t.Fatal(err)
		}
		<-ln.out
		if err := srv.Stop(context.Background()); err != nil {
			t.Fatal(err)
		}

		want := []time.Duration{10 * ms, 20 * ms, 40 * ms, 80 * ms, 100 * ms, 100 * ms, 100 * ms, 0, 10 * ms, 20 * ms}
		if got := ln.gaps(); !slices.Equal(got, want) {
			t.Errorf("pauses between accepts = %v\nwant                    %v", got, want)
		}
		var reported []time.Duration
		for len(rec.acceptErr) > 0 {
			reported = append(reported, <-rec.acceptErr)
		}
		want = slices.Delete(want, 7, 8)
		if !slices.Equal(reported, want) {
			t.Errorf("AcceptError retry delays = %v, want %v", reported, want)
		}
	})
}

func TestStopDuringBackoff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ln := newScriptListener(emfile)
		srv := server.NewListener(ln, func(context.Context, net.Conn) {},
			server.WithAcceptBackoff(time.Hour, 2*time.Hour))
		if err := srv.Start(); err != nil {
			t.Fatal(err)
		}
		synctest.Wait() // the loop sleeps for its hour
		start := time.Now()
		if err := srv.Stop(context.Background()); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); d != 0 {
			t.Fatalf("Stop waited %v for the accept backoff", d)
		}
	})
}

func TestFatalAcceptErrorStopsServer(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		boom := errors.New("boom")
		ln, rec := newScriptListener(boom), newRecorder()
		srv := server.NewListener(ln, func(context.Context, net.Conn) {}, server.WithObserver(rec))
		if err := srv.Serve(); !errors.Is(err, boom) {
			t.Fatalf("Serve = %v, want the accept error", err)
		}
		if d := <-rec.acceptErr; d != 0 {
			t.Fatalf("AcceptError retry = %v, want 0: not retried", d)
		}
		if err := srv.Start(); !errors.Is(err, server.ErrClosed) {
			t.Fatalf("Start after failure = %v, want ErrClosed", err)
		}
	})
}

func TestListenerClosedElsewhere(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := server.NewListener(ln, echo)
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	ln.Close()
	if err := srv.Serve(); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("Serve = %v, want net.ErrClosed", err)
	}
}
