package main

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"math/big"
	"net"
	"os"
	"syscall"
	"time"

	"github.com/troupe-go/troupe/remote/server"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:7000", `address to listen on; an empty host is 127.0.0.1, "0.0.0.0:7000" listens on every interface`)
	maxConns := flag.Int("maxconns", 0, "most clients served at once (0: no limit)")
	useTLS := flag.Bool("tls", false, "serve TLS, with a self-signed certificate made in memory unless -cert and -key are given")
	certFile := flag.String("cert", "", "PEM certificate file (with -tls)")
	keyFile := flag.String("key", "", "PEM private key file (with -tls)")
	flag.Parse()

	if err := run(*addr, *maxConns, *useTLS, *certFile, *keyFile); err != nil {
		fmt.Fprintln(os.Stderr, "echo:", err)
		os.Exit(1)
	}
}

func run(addr string, maxConns int, useTLS bool, certFile, keyFile string) error {
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	opts := []server.Option{server.WithMaxConns(maxConns), server.WithLogger(logger)}
	if useTLS {
		if certFile != "" || keyFile != "" {
			opts = append(opts, server.WithCertFiles(certFile, keyFile))
		} else {
			cfg, err := selfSigned()
			if err != nil {
				return err
			}
			opts = append(opts, server.WithTLS(cfg))
		}
	}
	srv := server.New(addr, echo, opts...)

	// Ctrl-C sets the event, the event stops the server, and Serve returns:
	// the process itself is not interrupted.
	stop := server.NewEvent()
	undo := server.SetOnSignal(stop, os.Interrupt, syscall.SIGTERM)
	defer undo()
	srv.StopOn(stop)

	if err := srv.Start(); err != nil {
		return err
	}
	try := "nc " + hostPort(srv.Addr())
	if useTLS {
		try = "openssl s_client -quiet -connect " + srv.Addr()
	}
	fmt.Printf("echo server on %s; try: %s\nCtrl-C stops it.\n", srv.Addr(), try)

	if err := srv.Serve(); !errors.Is(err, server.ErrClosed) {
		return err
	}
	fmt.Println("echo server stopped cleanly")
	return nil
}

// echo sends every line back. When the server stops, the pending read is
// cut short so the handler returns at once instead of at the stop timeout.
func echo(ctx context.Context, conn net.Conn) {
	stop := context.AfterFunc(ctx, func() { conn.SetReadDeadline(time.Now()) })
	defer stop()
	r := bufio.NewReader(conn)
	for {
		line, err := r.ReadBytes('\n')
		if len(line) > 0 {
			if _, werr := conn.Write(line); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// selfSigned makes a throwaway ECDSA certificate for localhost and the
// loopback addresses, valid for a day.
func selfSigned() (*tls.Config, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(now.UnixNano()),
		Subject:      pkix.Name{CommonName: "troupe echo example"},
		DNSNames:     []string{"localhost"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	cert := tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
	return &tls.Config{Certificates: []tls.Certificate{cert}}, nil
}

// hostPort turns "host:port" into "host port", as nc wants it.
func hostPort(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	return host + " " + port
}
