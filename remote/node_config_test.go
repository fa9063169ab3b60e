package remote_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/troupe-go/troupe/actor"
	"github.com/troupe-go/troupe/internal/testkit"
	"github.com/troupe-go/troupe/remote"
)

func TestNodeConfigRefused(t *testing.T) {
	sys := actor.NewSystem()
	defer sys.Shutdown(context.Background())
	for name, tc := range map[string]struct {
		cfg  remote.Config
		want error
	}{
		"beyond loopback, no cookie": {remote.Config{Addr: "192.0.2.1:0"}, remote.ErrInsecure},
		"every interface, no cookie": {remote.Config{Addr: "0.0.0.0:7001", Advertise: "192.0.2.1:7001"}, remote.ErrInsecure},
		"server-only TLS, no cookie": {remote.Config{Addr: "192.0.2.1:0", TLS: &tls.Config{Certificates: []tls.Certificate{{}}}}, remote.ErrInsecure},
		"every interface, no advert": {remote.Config{Addr: "0.0.0.0:7001", Cookie: []byte("c")}, remote.ErrInvalidConfig},
		"bad address":                {remote.Config{Addr: "nowhere"}, remote.ErrInvalidConfig},
		"heartbeat timeout too low":  {remote.Config{HeartbeatInterval: time.Second, HeartbeatTimeout: time.Second}, remote.ErrInvalidConfig},
		"negative queue":             {remote.Config{OutboundQueue: -1}, remote.ErrInvalidConfig},
		"TLS without certificate":    {remote.Config{TLS: &tls.Config{}}, remote.ErrInvalidConfig},
		// The cookie rule looks at a given Listener's address, not at Addr.
		"a pipe listener, no cookie": {remote.Config{Listener: testkit.NewPipeListener(), Advertise: "a:1"}, remote.ErrInsecure},
	} {
		if n, err := remote.Start(sys, tc.cfg); !errors.Is(err, tc.want) {
			if n != nil {
				n.Close()
			}
			t.Errorf("%s: Start = %v, want %v", name, err, tc.want)
		}
	}
	if sys.Address() != "" {
		t.Fatal("a refused Start left a transport installed")
	}
}

// A node started with a Listener and a Dial of its own serves on the one
// and dials with the other, and closes the listener when it stops.
func TestNodeOwnListenerAndDial(t *testing.T) {
	lb := testkit.NewPipeListener()
	var dialled sync.Map
	dial := func(_ context.Context, addr string) (net.Conn, error) {
		dialled.Store(addr, true)
		if addr != "b:1" {
			return nil, errors.New("no such node")
		}
		return lb.Dial(), nil
	}
	a := startNode(t, remote.Config{Listener: testkit.NewPipeListener(), Advertise: "a:1", Cookie: []byte("c"), Dial: dial})
	b := startNode(t, remote.Config{Listener: lb, Advertise: "b:1", Cookie: []byte("c"), Dial: dial})
	spawn(t, b.sys, "echo", echoActor)
	if r, err := a.sys.Request(context.Background(), b.pid("echo"), Ping{N: 1}); err != nil || r != (Pong{N: 1}) {
		t.Fatalf("Request over the given listener = %v, %v", r, err)
	}
	if _, ok := dialled.Load("b:1"); !ok {
		t.Fatal("the node did not dial with the given Dial")
	}
	b.node.Close()
	if _, err := lb.Accept(); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("Accept after the node closed = %v, want net.ErrClosed", err)
	}
}

// config is a node's TLS config with this certificate, trusting trust;
// mutual makes it require and verify client certificates too.
func tlsConfig(c *testkit.Cert, trust *x509.CertPool, mutual bool) *tls.Config {
	cfg := &tls.Config{Certificates: []tls.Certificate{c.Cert}, RootCAs: trust}
	if mutual {
		cfg.ClientCAs = trust
	}
	return cfg
}

func TestNodeTLS(t *testing.T) {
	cert := testkit.NewCert(t)
	nodes := startNodes(t, 2, remote.Config{TLS: tlsConfig(cert, cert.Pool, false), Cookie: []byte("c")})
	spawn(t, nodes[1].sys, "echo", echoActor)
	stillServes(t, nodes[0], nodes[1])
	// A node with a wrong cookie is refused inside TLS too.
	bad := startNode(t, remote.Config{TLS: tlsConfig(cert, cert.Pool, false), Cookie: []byte("x")})
	if _, err := bad.sys.Request(context.Background(), nodes[1].pid("echo"), Ping{}); !errors.Is(err, remote.ErrNodeDown) {
		t.Fatalf("wrong cookie over TLS = %v", err)
	}
	// A plain-TCP node cannot talk to a TLS one.
	plain := startNode(t, remote.Config{Cookie: []byte("c")})
	if _, err := plain.sys.Request(context.Background(), nodes[1].pid("echo"), Ping{}); !errors.Is(err, remote.ErrNodeDown) {
		t.Fatalf("plain to TLS = %v", err)
	}
}

// Mutual TLS: a node whose certificate the others do not trust is refused
// in the TLS handshake, whichever side dials.
func TestNodeMutualTLS(t *testing.T) {
	good, stranger := testkit.NewCert(t), testkit.NewCert(t)
	both := x509.NewCertPool()
	both.AddCert(good.Cert.Leaf)
	both.AddCert(stranger.Cert.Leaf)
	nodes := startNodes(t, 2, remote.Config{TLS: tlsConfig(good, good.Pool, true)})
	spawn(t, nodes[1].sys, "echo", echoActor)
	stillServes(t, nodes[0], nodes[1])

	// The stranger trusts the good nodes' certificate, but they do not
	// trust its own: the server refuses the client certificate.
	s := startNode(t, remote.Config{TLS: tlsConfig(stranger, both, true)})
	spawn(t, s.sys, "echo", echoActor)
	if _, err := s.sys.Request(context.Background(), nodes[1].pid("echo"), Ping{}); !errors.Is(err, remote.ErrNodeDown) {
		t.Fatalf("untrusted client = %v, want ErrNodeDown", err)
	}
	if _, err := nodes[0].sys.Request(context.Background(), s.pid("echo"), Ping{}); !errors.Is(err, remote.ErrNodeDown) {
		t.Fatalf("untrusted server = %v, want ErrNodeDown", err)
	}
	spawn(t, nodes[0].sys, "echo", echoActor)
	stillServes(t, nodes[1], nodes[0])
}

// Two nodes that dial each other at the same moment end with one
// connection each way counted once, and lose nothing, 100 times over.
func TestNodeSimultaneousConnect(t *testing.T) {
	for i := range 100 {
		nodes := startNodes(t, 2, remote.Config{})
		a, b := nodes[0], nodes[1]
		got := make(chan any, 200)
		spawn(t, a.sys, "sink", collector(got))
		spawn(t, b.sys, "sink", collector(got))
		var start, wg sync.WaitGroup
		start.Add(1)
		for _, pair := range [][2]*testNode{{a, b}, {b, a}} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				start.Wait()
				for n := range 50 {
					pair[0].sys.Send(pair[1].pid("sink"), Seq{From: pair[0].node.Addr(), N: n})
				}
			}()
		}
		start.Done()
		wg.Wait()
		next := map[string]int{}
		for range 100 {
			m := testkit.Recv(t, got, "a message").(Seq)
			if m.N != next[m.From] {
				t.Fatalf("round %d: from %s got %d, want %d", i, m.From, m.N, next[m.From])
			}
			next[m.From]++
		}
		sa, sb := statsOf(a, b.node.Addr()), statsOf(b, a.node.Addr())
		if !sa.Up || !sb.Up || sa.Connects != 1 || sb.Connects != 1 {
			t.Fatalf("round %d: a %+v, b %+v", i, sa, sb)
		}
		a.node.Close()
		b.node.Close()
	}
}
