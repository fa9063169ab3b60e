package remote_test

import (
	"bufio"
	"bytes"
	"context"
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

	"github.com/troupe-go/troupe/remote"
)

// waitLimit bounds every wait on an event that should come quickly, so a
// broken server fails the test instead of hanging it. Nothing relies on it
// for ordering.
const waitLimit = 10 * time.Second

// echo serves lines back until the client leaves or the server stops.
func echo(ctx context.Context, conn net.Conn) {
	stop := context.AfterFunc(ctx, func() { conn.SetReadDeadline(time.Now()) })
	defer stop()
	echoLoop(conn)
}

// startServer starts a server on a free loopback port and stops it when
// the test ends.
func startServer(t testing.TB, h remote.Handler, opts ...remote.ServerOption) *remote.Server {
	t.Helper()
	srv := remote.NewServer("127.0.0.1:0", h, opts...)
	if err := srv.Start(); err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() { srv.Stop(context.Background()) })
	return srv
}

// roundTrip sends line on conn and returns the line that comes back.
func roundTrip(t testing.TB, conn net.Conn, line string) string {
	t.Helper()
	conn.SetDeadline(time.Now().Add(waitLimit))
	defer conn.SetDeadline(time.Time{})
	if _, err := conn.Write([]byte(line + "\n")); err != nil {
		t.Fatalf("write: %v", err)
	}
	got, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	return got[:len(got)-1]
}

func dial(t testing.TB, addr string) net.Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, waitLimit)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// recv waits for a value from ch, failing the test if none comes.
func recv[T any](t testing.TB, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(waitLimit):
		t.Fatalf("timed out waiting for %s", what)
		panic("unreachable")
	}
}

// pipeListener is an in-memory listener for tests under testing/synctest,
// where real sockets cannot be waited on. Dial queues the server end in a
// backlog, as the kernel would, so it succeeds before any Accept.
type pipeListener struct {
	backlog chan net.Conn
	closed  chan struct{}
	once    sync.Once
	accepts atomic.Int32 // calls to Accept, returned or not
}

func newPipeListener() *pipeListener {
	return &pipeListener{backlog: make(chan net.Conn, 64), closed: make(chan struct{})}
}

func (l *pipeListener) Accept() (net.Conn, error) {
	l.accepts.Add(1)
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

func (l *pipeListener) Close() error {
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

func (l *pipeListener) Addr() net.Addr { return pipeAddr{} }

// Dial returns the client end of a new connection.
func (l *pipeListener) Dial() net.Conn {
	server, client := net.Pipe()
	l.backlog <- server
	return client
}

type pipeAddr struct{}

func (pipeAddr) Network() string { return "pipe" }
func (pipeAddr) String() string  { return "pipe" }

// countingListener counts the calls to Accept of a real listener.
type countingListener struct {
	net.Listener
	accepts atomic.Int32
}

func (l *countingListener) Accept() (net.Conn, error) {
	l.accepts.Add(1)
	return l.Listener.Accept()
}

// recorder is a ServerObserver that hands every call to the test on a
// channel.
type recorder struct {
	accepted  chan int
	closed    chan remote.CloseReason
	poolFull  chan int
	resumed   chan time.Duration
	acceptErr chan time.Duration
}

func newRecorder() *recorder {
	const n = 256
	return &recorder{
		accepted:  make(chan int, n),
		closed:    make(chan remote.CloseReason, n),
		poolFull:  make(chan int, n),
		resumed:   make(chan time.Duration, n),
		acceptErr: make(chan time.Duration, n),
	}
}

func (r *recorder) ConnAccepted(active int) { r.accepted <- active }
func (r *recorder) ConnClosed(reason remote.CloseReason, _ time.Duration, _ int) {
	r.closed <- reason
}
func (r *recorder) PoolFull(limit int)                         { r.poolFull <- limit }
func (r *recorder) PoolResumed(waited time.Duration)           { r.resumed <- waited }
func (r *recorder) AcceptError(_ error, retryIn time.Duration) { r.acceptErr <- retryIn }

// drainReasons returns the close reasons recorded so far.
func (r *recorder) drainReasons() map[remote.CloseReason]int {
	got := map[remote.CloseReason]int{}
	for {
		select {
		case reason := <-r.closed:
			got[reason]++
		default:
			return got
		}
	}
}

// logBuffer collects log output from many goroutines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func (b *logBuffer) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(b, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// testCert is a self-signed ECDSA certificate for localhost and 127.0.0.1,
// fit for both ends of a TLS connection (the server's, and a node's client
// side in mutual TLS); its pool trusts it alone. It is valid from 1999, so
// that it also works inside a synctest bubble, whose clock starts in 2000.
type testCert struct {
	cert    tls.Certificate
	pool    *x509.CertPool
	certPEM []byte
	keyPEM  []byte
}

func newTestCert(t testing.TB) *testCert {
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
	tc := &testCert{
		certPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		keyPEM:  pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}),
		pool:    x509.NewCertPool(),
	}
	if tc.cert, err = tls.X509KeyPair(tc.certPEM, tc.keyPEM); err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	tc.pool.AddCert(leaf)
	return tc
}

func (c *testCert) server() *tls.Config {
	return &tls.Config{Certificates: []tls.Certificate{c.cert}}
}

func (c *testCert) client() *tls.Config {
	return &tls.Config{RootCAs: c.pool, ServerName: "localhost"}
}
