package netx_test

import (
	"crypto/tls"
	"net"
	"testing"

	"github.com/troupe-go/troupe/internal/netx"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func TestListenAddr(t *testing.T) {
	for in, want := range map[string]string{
		"":               "127.0.0.1:0",
		":7000":          "127.0.0.1:7000",
		":0":             "127.0.0.1:0",
		"0.0.0.0:7000":   "0.0.0.0:7000",
		"[::]:7000":      "[::]:7000",
		"localhost:1":    "localhost:1",
		"no port":        "no port", // left for net.Listen to refuse
		"[::1]:7000":     "[::1]:7000",
		"10.0.0.5:65535": "10.0.0.5:65535",
	} {
		if got := netx.ListenAddr(in); got != want {
			t.Errorf("ListenAddr(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestAddrString(t *testing.T) {
	if got := netx.AddrString(nil); got != "" {
		t.Errorf("AddrString(nil) = %q", got)
	}
	a := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 9}
	if got := netx.AddrString(a); got != "127.0.0.1:9" {
		t.Errorf("AddrString = %q", got)
	}
}

func TestHasCertificate(t *testing.T) {
	get := func(*tls.ClientHelloInfo) (*tls.Certificate, error) { return nil, nil }
	perConn := func(*tls.ClientHelloInfo) (*tls.Config, error) { return nil, nil }
	for name, tc := range map[string]struct {
		cfg  *tls.Config
		want bool
	}{
		"empty":              {&tls.Config{}, false},
		"Certificates":       {&tls.Config{Certificates: []tls.Certificate{{}}}, true},
		"GetCertificate":     {&tls.Config{GetCertificate: get}, true},
		"GetConfigForClient": {&tls.Config{GetConfigForClient: perConn}, true},
	} {
		if got := netx.HasCertificate(tc.cfg); got != tc.want {
			t.Errorf("%s: HasCertificate = %v, want %v", name, got, tc.want)
		}
	}
}
