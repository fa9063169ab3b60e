package server_test

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/troupe-go/troupe/internal/testkit"
	"github.com/troupe-go/troupe/remote/server"
)

func TestServeEchoesUntilStopped(t *testing.T) {
	srv := server.New("127.0.0.1:0", echo)
	if got := srv.Addr(); got != "127.0.0.1:0" {
		t.Errorf("Addr before Start = %q, want the configured address", got)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve() }() // Serve on a started server waits

	host, port, err := net.SplitHostPort(srv.Addr())
	if err != nil || host != "127.0.0.1" || port == "0" {
		t.Fatalf("Addr after Start = %q (%v), want 127.0.0.1 and the bound port", srv.Addr(), err)
	}
	c := testkit.Dial(t, srv.Addr())
	if got := roundTrip(t, c, "hello"); got != "hello" {
		t.Fatalf("echo = %q, want hello", got)
	}
	if err := srv.Stop(context.Background()); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if err := testkit.Recv(t, served, "Serve to return"); !errors.Is(err, server.ErrClosed) {
		t.Fatalf("Serve = %v, want ErrClosed", err)
	}
	if _, err := net.Dial("tcp", srv.Addr()); err == nil {
		t.Fatal("dial after Stop succeeded; the listener should be closed")
	}
}

func TestServeStartsTheServer(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := server.NewListener(ln, echo)
	served := make(chan error, 1)
	go func() { served <- srv.Serve() }()
	// The dial succeeds at once (backlog); the echo needs Serve to accept.
	c := testkit.Dial(t, srv.Addr())
	if got := roundTrip(t, c, "x"); got != "x" {
		t.Fatalf("echo = %q", got)
	}
	if err := srv.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := testkit.Recv(t, served, "Serve"); !errors.Is(err, server.ErrClosed) {
		t.Fatalf("Serve = %v, want ErrClosed", err)
	}
}

// TestEmptyHostMeansLoopback checks that no address, or one without a
// host, never listens on every interface by accident.
func TestEmptyHostMeansLoopback(t *testing.T) {
	for _, addr := range []string{"", ":0"} {
		t.Run(fmt.Sprintf("%q", addr), func(t *testing.T) {
			srv := server.New(addr, echo)
			if got := srv.Addr(); got != "127.0.0.1:0" {
				t.Errorf("Addr before Start = %q, want 127.0.0.1:0", got)
			}
			if err := srv.Start(); err != nil {
				t.Fatal(err)
			}
			defer srv.Stop(context.Background())
			host, port, err := net.SplitHostPort(srv.Addr())
			if err != nil || host != "127.0.0.1" || port == "0" {
				t.Fatalf("Addr after Start = %q (%v), want 127.0.0.1 and the bound port", srv.Addr(), err)
			}
			roundTrip(t, testkit.Dial(t, srv.Addr()), "hi")
		})
	}
	if got := server.New(":7000", echo).Addr(); got != "127.0.0.1:7000" {
		t.Errorf(`New(":7000").Addr() = %q, want 127.0.0.1:7000`, got)
	}
	for _, all := range []string{"0.0.0.0:7000", "[::]:7000"} {
		if got := server.New(all, echo).Addr(); got != all {
			t.Errorf("New(%q).Addr() = %q: an explicit address must be kept", all, got)
		}
	}
}

func TestStartTwice(t *testing.T) {
	srv := startServer(t, echo)
	if err := srv.Start(); !errors.Is(err, server.ErrStarted) {
		t.Fatalf("second Start = %v, want ErrStarted", err)
	}
}

func TestStartAfterStop(t *testing.T) {
	srv := startServer(t, echo)
	if err := srv.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); !errors.Is(err, server.ErrClosed) {
		t.Fatalf("Start after Stop = %v, want ErrClosed", err)
	}
	if err := srv.Serve(); !errors.Is(err, server.ErrClosed) {
		t.Fatalf("Serve after Stop = %v, want ErrClosed", err)
	}
}

func TestStopTwice(t *testing.T) {
	srv := startServer(t, echo)
	c := testkit.Dial(t, srv.Addr())
	roundTrip(t, c, "hi")
	for i := range 2 {
		if err := srv.Stop(context.Background()); err != nil {
			t.Fatalf("Stop #%d: %v", i+1, err)
		}
	}
}

func TestStopBeforeStart(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := server.NewListener(ln, echo)
	if err := srv.Stop(context.Background()); err != nil {
		t.Fatalf("Stop before Start: %v", err)
	}
	if err := srv.Stop(context.Background()); err != nil {
		t.Fatalf("second Stop before Start: %v", err)
	}
	if err := srv.Start(); !errors.Is(err, server.ErrClosed) {
		t.Fatalf("Start after Stop = %v, want ErrClosed", err)
	}
	if err := srv.Serve(); !errors.Is(err, server.ErrClosed) {
		t.Fatalf("Serve after Stop = %v, want ErrClosed", err)
	}
	if _, err := ln.Accept(); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("the given listener is still open after Stop: Accept = %v", err)
	}
}

func TestAddressInUse(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := server.New(taken.Addr().String(), echo)
	err = srv.Start()
	if !errors.Is(err, syscall.EADDRINUSE) {
		t.Fatalf("Start on a taken address = %v, want EADDRINUSE", err)
	}
	if err := srv.Serve(); !errors.Is(err, syscall.EADDRINUSE) {
		t.Fatalf("Serve on a taken address = %v, want EADDRINUSE", err)
	}
	// A failed Start leaves the server unstarted: it may try again.
	taken.Close()
	if err := srv.Start(); err != nil {
		t.Fatalf("Start once the address is free: %v", err)
	}
	if err := srv.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestNilHandler(t *testing.T) {
	srv := server.New("127.0.0.1:0", nil)
	if err := srv.Start(); !errors.Is(err, server.ErrNilHandler) {
		t.Fatalf("Start = %v, want ErrNilHandler", err)
	}
	if err := srv.Serve(); !errors.Is(err, server.ErrNilHandler) {
		t.Fatalf("Serve = %v, want ErrNilHandler", err)
	}
	if err := srv.SetHandler(nil); !errors.Is(err, server.ErrNilHandler) {
		t.Fatalf("SetHandler(nil) = %v, want ErrNilHandler", err)
	}
	// A handler set later makes the server startable.
	if err := srv.SetHandler(echo); err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatalf("Start after SetHandler: %v", err)
	}
	srv.Stop(context.Background())
}

func TestNilListener(t *testing.T) {
	srv := server.NewListener(nil, echo)
	if err := srv.Start(); !errors.Is(err, server.ErrNilListener) {
		t.Fatalf("Start = %v, want ErrNilListener", err)
	}
	if err := srv.Stop(context.Background()); err != nil {
		t.Fatalf("Stop: %v", err)
	}
}

func TestInvalidOptions(t *testing.T) {
	for name, opt := range map[string]server.Option{
		"negative max conns":     server.WithMaxConns(-1),
		"negative stop timeout":  server.WithStopTimeout(-time.Second),
		"zero handshake timeout": server.WithHandshakeTimeout(0),
		"zero backoff":           server.WithAcceptBackoff(0, time.Second),
		"backoff min over max":   server.WithAcceptBackoff(2*time.Second, time.Second),
		"nil TLS config":         server.WithTLS(nil),
		"cert without key":       server.WithCertFiles("cert.pem", ""),
		"TLS without cert":       server.WithTLS(&tls.Config{}),
		"TLS max below 1.2": server.WithTLS(&tls.Config{
			MaxVersion: tls.VersionTLS11, Certificates: []tls.Certificate{{}},
		}),
	} {
		t.Run(name, func(t *testing.T) {
			srv := server.New("127.0.0.1:0", echo, opt)
			if err := srv.Start(); !errors.Is(err, server.ErrInvalidOption) {
				t.Fatalf("Start = %v, want ErrInvalidOption", err)
			}
		})
	}
}

func TestNilOptionIgnored(t *testing.T) {
	srv := startServer(t, echo, nil, server.WithMaxConns(1), nil)
	if got := roundTrip(t, testkit.Dial(t, srv.Addr()), "hi"); got != "hi" {
		t.Fatalf("echo = %q, want hi", got)
	}
}

func TestMissingCertFiles(t *testing.T) {
	dir := t.TempDir()
	srv := server.New("127.0.0.1:0", echo,
		server.WithCertFiles(filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")))
	if err := srv.Start(); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("Start = %v, want a file-not-found error", err)
	}
}

func TestSetHandlerServesNewConnections(t *testing.T) {
	srv := startServer(t, echo)
	old := testkit.Dial(t, srv.Addr())
	roundTrip(t, old, "before")

	if err := srv.SetHandler(func(_ context.Context, conn net.Conn) {
		io.WriteString(conn, "new\n")
	}); err != nil {
		t.Fatal(err)
	}
	if got := roundTrip(t, testkit.Dial(t, srv.Addr()), "ignored"); got != "new" {
		t.Fatalf("new connection got %q, want the new handler's reply", got)
	}
	if got := roundTrip(t, old, "still echo"); got != "still echo" {
		t.Fatalf("old connection got %q, want its old handler's echo", got)
	}
}

func TestHandlerContextCancelledOnStop(t *testing.T) {
	cause := make(chan error, 1)
	entered := make(chan struct{})
	srv := startServer(t, func(ctx context.Context, conn net.Conn) {
		close(entered)
		<-ctx.Done()
		cause <- context.Cause(ctx)
	})
	testkit.Dial(t, srv.Addr())
	testkit.Recv(t, entered, "handler")
	if err := srv.Stop(context.Background()); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if err := testkit.Recv(t, cause, "cause"); !errors.Is(err, server.ErrClosed) {
		t.Fatalf("context cause = %v, want ErrClosed", err)
	}
}

func TestHandlerPanic(t *testing.T) {
	var logs testkit.LogBuffer
	rec := newRecorder()
	srv := startServer(t, func(ctx context.Context, conn net.Conn) {
		buf := make([]byte, 5)
		if _, err := io.ReadFull(conn, buf); err != nil {
			return
		}
		if string(buf) == "boom\n" {
			panicInHandler()
		}
		conn.Write(buf)
		echo(ctx, conn)
	}, server.WithLogger(logs.Logger()), server.WithObserver(rec))

	survivor := testkit.Dial(t, srv.Addr())
	if got := roundTrip(t, survivor, "fine"); got != "fine" {
		t.Fatalf("echo = %q", got)
	}
	victim := testkit.Dial(t, srv.Addr())
	victim.Write([]byte("boom\n"))
	victim.SetReadDeadline(time.Now().Add(testkit.WaitLimit))
	if n, err := victim.Read(make([]byte, 1)); err != io.EOF {
		t.Fatalf("panicking connection: Read = %d, %v; want EOF", n, err)
	}
	if reason := testkit.Recv(t, rec.closed, "close"); reason != server.ClosePanic {
		t.Fatalf("close reason = %v, want panic", reason)
	}
	if got := roundTrip(t, survivor, "still here"); got != "still here" {
		t.Fatalf("other connection after the panic: %q", got)
	}
	if got := roundTrip(t, testkit.Dial(t, srv.Addr()), "new!"); got != "new!" {
		t.Fatalf("new connection after the panic: %q", got)
	}
	log := logs.String()
	for _, want := range []string{"handler panicked", "kaboom", "panicInHandler"} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q:\n%s", want, log)
		}
	}
}

//go:noinline
func panicInHandler() { panic("kaboom") }

func TestHandlerGoexit(t *testing.T) {
	rec := newRecorder()
	srv := startServer(t, func(ctx context.Context, conn net.Conn) {
		runtime.Goexit()
	}, server.WithObserver(rec))
	c := testkit.Dial(t, srv.Addr())
	c.SetReadDeadline(time.Now().Add(testkit.WaitLimit))
	if _, err := c.Read(make([]byte, 1)); err != io.EOF {
		t.Fatalf("Read = %v, want EOF: the connection should be closed", err)
	}
	testkit.Recv(t, rec.closed, "close")
	if n := srv.Active(); n != 0 {
		t.Fatalf("active = %d after the handler exited", n)
	}
}

func TestCloseReasonString(t *testing.T) {
	for r, want := range map[server.CloseReason]string{
		server.CloseNormal: "normal", server.ClosePanic: "panic",
		server.CloseHandshake: "handshake", server.CloseForced: "forced",
		server.CloseReason(99): "unknown",
	} {
		if got := r.String(); got != want {
			t.Errorf("%d.String() = %q, want %q", r, got, want)
		}
	}
}
