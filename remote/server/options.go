package server

import (
	"crypto/tls"
	"fmt"
	"log/slog"
	"time"

	"github.com/troupe-go/troupe/internal/netx"
)

// Defaults of the stream server, used when the matching option is not given.
const (
	// DefaultStopTimeout is the longest grace period of a graceful stop: how
	// long Stop (or StopOn) lets running handlers finish before it closes
	// their connections. The node's Config.StopTimeout defaults to it too.
	DefaultStopTimeout = 5 * time.Second

	// DefaultHandshakeTimeout bounds the TLS handshake of each connection.
	DefaultHandshakeTimeout = 10 * time.Second

	// DefaultAcceptBackoffMin is the first pause after a temporary accept
	// error; each further error in a row doubles it.
	DefaultAcceptBackoffMin = 10 * time.Millisecond

	// DefaultAcceptBackoffMax caps the pause between accept retries.
	DefaultAcceptBackoffMax = time.Second
)

// A Option configures a Server made by New or
// NewListener; the WithXxx functions make them, and a nil option is
// ignored. An option given an out-of-range value does not panic: Start
// reports it as an error wrapping ErrInvalidOption.
type Option interface {
	apply(*config)
}

// optionFunc makes a plain function a Option.
type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

// config holds everything the options can set. It is filled with the
// defaults, then by the options, then checked once by validate.
type config struct {
	maxConns         int           // 0: no limit
	tlsConfig        *tls.Config   // nil: plain TCP unless cert files are given
	tlsSet           bool          // WithTLS was called, so a nil config is a mistake
	certFile         string        // with keyFile: loaded by Start
	keyFile          string        //
	stopTimeout      time.Duration // 0: close connections as soon as Stop is called
	handshakeTimeout time.Duration // must be > 0
	backoffMin       time.Duration // must be > 0
	backoffMax       time.Duration // must be >= backoffMin
	logger           *slog.Logger  // nil: discard
	observer         Observer
}

func defaultConfig() config {
	return config{
		stopTimeout:      DefaultStopTimeout,
		handshakeTimeout: DefaultHandshakeTimeout,
		backoffMin:       DefaultAcceptBackoffMin,
		backoffMax:       DefaultAcceptBackoffMax,
	}
}

// validate reports the first option that holds an impossible value.
func (c *config) validate() error {
	switch {
	case c.maxConns < 0:
		return fmt.Errorf("%w: WithMaxConns(%d): must be 0 (no limit) or more", ErrInvalidOption, c.maxConns)
	case c.stopTimeout < 0:
		return fmt.Errorf("%w: WithStopTimeout(%v): must not be negative", ErrInvalidOption, c.stopTimeout)
	case c.handshakeTimeout <= 0:
		return fmt.Errorf("%w: WithHandshakeTimeout(%v): must be positive", ErrInvalidOption, c.handshakeTimeout)
	case c.backoffMin <= 0 || c.backoffMax < c.backoffMin:
		return fmt.Errorf("%w: WithAcceptBackoff(%v, %v): want 0 < min <= max", ErrInvalidOption, c.backoffMin, c.backoffMax)
	case c.tlsSet && c.tlsConfig == nil:
		return fmt.Errorf("%w: WithTLS(nil)", ErrInvalidOption)
	case (c.certFile == "") != (c.keyFile == ""):
		return fmt.Errorf("%w: WithCertFiles(%q, %q): both files are needed", ErrInvalidOption, c.certFile, c.keyFile)
	}
	if c.tlsConfig != nil {
		if v := c.tlsConfig.MaxVersion; v != 0 && v < tls.VersionTLS12 {
			return fmt.Errorf("%w: WithTLS: MaxVersion %s is below TLS 1.2", ErrInvalidOption, tls.VersionName(v))
		}
		if c.certFile == "" && !netx.HasCertificate(c.tlsConfig) {
			return fmt.Errorf("%w: WithTLS: the config has no certificate", ErrInvalidOption)
		}
	}
	return nil
}

// WithMaxConns limits the number of handlers running at once to n, like
// a gevent pool. While n handlers run the server accepts nothing: new
// clients wait in the kernel's listen backlog, not in memory, and
// accepting resumes as soon as one handler returns. A connection counts
// from accept to close, its TLS handshake included. 0, the default, means
// no limit.
func WithMaxConns(n int) Option {
	return optionFunc(func(c *config) { c.maxConns = n })
}

// WithTLS serves TLS with a copy of cfg, which must carry a certificate
// (Certificates, GetCertificate or GetConfigForClient) unless WithCertFiles
// supplies one. The minimum version is raised to TLS 1.2 if set lower; the
// maximum stays Go's default (TLS 1.3) unless cfg sets it.
func WithTLS(cfg *tls.Config) Option {
	return optionFunc(func(c *config) { c.tlsConfig, c.tlsSet = cfg, true })
}

// WithCertFiles serves TLS with the PEM certificate chain and key read by
// Start from the two files. Given with WithTLS, the certificate is added to
// that config's.
func WithCertFiles(certFile, keyFile string) Option {
	return optionFunc(func(c *config) { c.certFile, c.keyFile = certFile, keyFile })
}

// WithHandshakeTimeout bounds each connection's TLS handshake, which runs
// in the connection's own goroutine so a slow client never holds up
// accepting. It must be positive; the default is DefaultHandshakeTimeout.
func WithHandshakeTimeout(d time.Duration) Option {
	return optionFunc(func(c *config) { c.handshakeTimeout = d })
}

// WithStopTimeout sets how long Stop lets running handlers finish before it
// closes their connections (Stop's context can cut it shorter). 0 closes
// them at once; the default is DefaultStopTimeout.
func WithStopTimeout(d time.Duration) Option {
	return optionFunc(func(c *config) { c.stopTimeout = d })
}

// WithAcceptBackoff sets the pause after a temporary accept error (such as
// running out of file descriptors): min after the first, doubling with each
// further error in a row up to max, back to min after a success; each pause
// is jittered, less up to half of it at random. The defaults are
// DefaultAcceptBackoffMin and DefaultAcceptBackoffMax.
func WithAcceptBackoff(min, max time.Duration) Option {
	return optionFunc(func(c *config) { c.backoffMin, c.backoffMax = min, max })
}

// WithLogger sends the server's log records to l. Without it, or with nil,
// nothing is logged.
func WithLogger(l *slog.Logger) Option {
	return optionFunc(func(c *config) { c.logger = l })
}

// WithObserver reports the server's connection events to o. Without it the
// server makes no observer calls at all.
func WithObserver(o Observer) Option {
	return optionFunc(func(c *config) { c.observer = o })
}
