package server_test

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"testing"
	"testing/synctest"
	"time"

	"github.com/troupe-go/troupe/internal/testkit"
	"github.com/troupe-go/troupe/remote/server"
)

// tlsEcho echoes over TLS, and refuses to serve a connection that is not
// a *tls.Conn.
func tlsEcho(ctx context.Context, conn net.Conn) {
	if _, ok := conn.(*tls.Conn); !ok {
		return
	}
	echo(ctx, conn)
}

func dialTLS(t testing.TB, addr string, cfg *tls.Config) *tls.Conn {
	t.Helper()
	c, err := tls.DialWithDialer(&net.Dialer{Timeout: testkit.WaitLimit}, "tcp", addr, cfg)
	if err != nil {
		t.Fatalf("TLS dial: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func TestTLSRoundTrip(t *testing.T) {
	cert := testkit.NewCert(t)
	cfg := cert.Server()
	cfg.MinVersion = tls.VersionTLS10 // the server must raise it, in its own copy
	srv := startServer(t, tlsEcho, server.WithTLS(cfg))

	c := dialTLS(t, srv.Addr(), cert.Client())
	if got := roundTrip(t, c, "secret"); got != "secret" {
		t.Fatalf("echo over TLS = %q", got)
	}
	if v := c.ConnectionState().Version; v != tls.VersionTLS13 {
		t.Errorf("negotiated %s, want TLS 1.3 by default", tls.VersionName(v))
	}
	if cfg.MinVersion != tls.VersionTLS10 {
		t.Error("the server changed the caller's tls.Config")
	}

	old := cert.Client()
	old.MinVersion, old.MaxVersion = tls.VersionTLS10, tls.VersionTLS11
	if c, err := tls.Dial("tcp", srv.Addr(), old); err == nil {
		c.Close()
		t.Fatal("a TLS 1.1 client was accepted; the minimum is TLS 1.2")
	}
	tls12 := cert.Client()
	tls12.MaxVersion = tls.VersionTLS12
	if got := roundTrip(t, dialTLS(t, srv.Addr(), tls12), "twelve"); got != "twelve" {
		t.Fatalf("echo over TLS 1.2 = %q", got)
	}
}

func TestTLSCertFiles(t *testing.T) {
	cert := testkit.NewCert(t)
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, cert.CertPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, cert.KeyPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	srv := startServer(t, tlsEcho, server.WithCertFiles(certFile, keyFile))
	if got := roundTrip(t, dialTLS(t, srv.Addr(), cert.Client()), "from files"); got != "from files" {
		t.Fatalf("echo = %q", got)
	}
}

func TestTLSPlaintextClientIsClosed(t *testing.T) {
	cert := testkit.NewCert(t)
	rec := newRecorder()
	srv := startServer(t, tlsEcho, server.WithTLS(cert.Server()), server.WithObserver(rec))
	good := dialTLS(t, srv.Addr(), cert.Client())
	roundTrip(t, good, "before")

	plain := testkit.Dial(t, srv.Addr())
	plain.Write([]byte("GET / HTTP/1.0\r\n\r\n"))
	plain.SetReadDeadline(time.Now().Add(testkit.WaitLimit))
	if _, err := io.ReadAll(plain); err != nil && !isConnReset(err) {
		t.Fatalf("plaintext client: %v; want the server to close the connection", err)
	}
	if r := testkit.Recv(t, rec.closed, "close"); r != server.CloseHandshake {
		t.Fatalf("close reason = %v, want handshake", r)
	}
	if got := roundTrip(t, good, "after"); got != "after" {
		t.Fatalf("TLS client after a plaintext one: %q", got)
	}
}

func isConnReset(err error) bool {
	var ne *net.OpError
	return errors.As(err, &ne) && !ne.Timeout()
}

// TestTLSSlowHandshake checks, under synctest, that a client that never
// sends its hello holds no one up and is cut at the handshake deadline.
func TestTLSSlowHandshake(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cert := testkit.NewCert(t)
		ln, rec := testkit.NewPipeListener(), newRecorder()
		const deadline = 5 * time.Second
		srv := server.NewListener(ln, tlsEcho, server.WithTLS(cert.Server()),
			server.WithHandshakeTimeout(deadline), server.WithObserver(rec))
		if err := srv.Start(); err != nil {
			t.Fatal(err)
		}
		defer srv.Stop(context.Background())
		start := time.Now()

		slow := ln.Dial()
		defer slow.Close()
		cut := make(chan time.Duration)
		go func() {
			io.Copy(io.Discard, slow) // until the server closes it
			cut <- time.Since(start)
		}()

		good := tls.Client(ln.Dial(), cert.Client())
		defer good.Close()
		if got := roundTrip(t, good, "quick"); got != "quick" {
			t.Fatalf("echo = %q", got)
		}
		if time.Since(start) != 0 {
			t.Fatalf("the good client waited %v behind the slow one", time.Since(start))
		}
		if d := <-cut; d != deadline {
			t.Fatalf("slow client cut after %v, want the %v handshake deadline", d, deadline)
		}
		if r := <-rec.closed; r != server.CloseHandshake {
			t.Fatalf("close reason = %v, want handshake", r)
		}
	})
}

// TestStopAbortsHandshakes checks that Stop does not wait for handshakes
// in progress: their handler would only see a cancelled context.
func TestStopAbortsHandshakes(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cert := testkit.NewCert(t)
		ln := testkit.NewPipeListener()
		srv := server.NewListener(ln, tlsEcho, server.WithTLS(cert.Server()), server.WithStopTimeout(time.Minute))
		if err := srv.Start(); err != nil {
			t.Fatal(err)
		}
		slow := ln.Dial()
		defer slow.Close()
		synctest.Wait()
		start := time.Now()
		if err := srv.Stop(context.Background()); err != nil {
			t.Fatalf("Stop = %v, want nil", err)
		}
		if d := time.Since(start); d != 0 {
			t.Fatalf("Stop waited %v for a handshake", d)
		}
	})
}
