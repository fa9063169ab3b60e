package netx

import (
	"crypto/tls"
	"net"
)

// ListenAddr gives an empty address, or an empty host, the loopback host,
// so that nothing listens on every interface unless asked to. An address
// it cannot split is left for net.Listen to refuse.
func ListenAddr(addr string) string {
	if addr == "" {
		return "127.0.0.1:0"
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil || host != "" {
		return addr
	}
	return net.JoinHostPort("127.0.0.1", port)
}

// AddrString is a.String(), also for the nil address some net.Conn
// implementations give.
func AddrString(a net.Addr) string {
	if a == nil {
		return ""
	}
	return a.String()
}

// HasCertificate reports whether a TLS config can present a certificate.
func HasCertificate(c *tls.Config) bool {
	return len(c.Certificates) > 0 || c.GetCertificate != nil || c.GetConfigForClient != nil
}
