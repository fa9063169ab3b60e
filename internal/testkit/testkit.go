package testkit

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"log/slog"
	"math/big"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// WaitLimit bounds every wait on an event that should come quickly, so a
// broken server fails the test instead of hanging it. Nothing relies on it
// for ordering.
const WaitLimit = 10 * time.Second

// Recv waits for a value from ch, failing the test if none comes within
// WaitLimit.
func Recv[T any](t testing.TB, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(WaitLimit):
		t.Fatalf("timed out waiting for %s", what)
		panic("unreachable")
	}
}

// Dial connects to addr over TCP and closes the connection when the test
// ends.
func Dial(t testing.TB, addr string) net.Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, WaitLimit)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// PipeListener is an in-memory listener for tests under testing/synctest,
// where real sockets cannot be waited on. Dial queues the server end in a
// backlog, as the kernel would, so it succeeds before any Accept.
type PipeListener struct {
	Accepts atomic.Int32 // calls to Accept, returned or not

	backlog chan net.Conn
	closed  chan struct{}
	once    sync.Once
}

// NewPipeListener returns an open PipeListener with room for 64 waiting
// connections.
func NewPipeListener() *PipeListener {
	return &PipeListener{backlog: make(chan net.Conn, 64), closed: make(chan struct{})}
}

// Accept returns the next connection dialled, or net.ErrClosed once closed.
func (l *PipeListener) Accept() (net.Conn, error) {
	l.Accepts.Add(1)
	select {
	case <-l.closed:
		return nil, net.ErrClosed
	default:
	}
	select {
	case c := <-l.backlog:
		return c, nil
	case <-l.closed:
		return nil, net.ErrClosed
	}
}

// Close closes the listener and the connections still in its backlog.
func (l *PipeListener) Close() error {
	l.once.Do(func() {
		close(l.closed)
		for {
			select {
			case c := <-l.backlog:
				c.Close()
			default:
				return
			}
		}
	})
	return nil
}

// Addr returns PipeAddr.
func (l *PipeListener) Addr() net.Addr { return PipeAddr{} }

// Queue hands c to the next Accept, as the listener's end of a connection
// the caller made. It never waits: it reports false, and leaves c to the
// caller, once the listener is closed or its backlog is full (a kernel's
// full backlog refuses too).
func (l *PipeListener) Queue(c net.Conn) bool {
	select {
	case <-l.closed:
		return false
	default:
	}
	select {
	case l.backlog <- c:
		return true
	default:
		return false
	}
}

// Dial returns the client end of a new connection.
func (l *PipeListener) Dial() net.Conn {
	srvEnd, client := net.Pipe()
	l.backlog <- srvEnd
	return client
}

// PipeAddr is the address of a PipeListener.
type PipeAddr struct{}

// Network returns "pipe".
func (PipeAddr) Network() string { return "pipe" }

// String returns "pipe".
func (PipeAddr) String() string { return "pipe" }

// LogBuffer collects log output from many goroutines.
type LogBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// Write appends p.
func (b *LogBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns what was written so far.
func (b *LogBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Logger returns a logger that writes text records, debug level and up,
// to b.
func (b *LogBuffer) Logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(b, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// Cert is a self-signed ECDSA certificate for localhost and 127.0.0.1,
// fit for both ends of a TLS connection (the server's, and a node's client
// side in mutual TLS); its pool trusts it alone. It is valid from 1999, so
// that it also works inside a synctest bubble, whose clock starts in 2000.
type Cert struct {
	Cert    tls.Certificate
	Pool    *x509.CertPool
	CertPEM []byte
	KeyPEM  []byte
}

// NewCert makes a fresh Cert.
func NewCert(t testing.TB) *Cert {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "troupe test"},
		DNSNames:              []string{"localhost"},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:             time.Date(1999, 1, 1, 0, 0, 0, 0, time.UTC),
		NotAfter:              time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	c := &Cert{
		CertPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		KeyPEM:  pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}),
		Pool:    x509.NewCertPool(),
	}
	if c.Cert, err = tls.X509KeyPair(c.CertPEM, c.KeyPEM); err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	c.Pool.AddCert(leaf)
	return c
}

// Server returns a server config that presents the certificate.
func (c *Cert) Server() *tls.Config {
	return &tls.Config{Certificates: []tls.Certificate{c.Cert}}
}

// Client returns a client config that trusts the certificate alone.
func (c *Cert) Client() *tls.Config {
	return &tls.Config{RootCAs: c.Pool, ServerName: "localhost"}
}
