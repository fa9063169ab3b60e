package remote

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"time"

	"github.com/troupe-go/troupe/internal/netx"
	"github.com/troupe-go/troupe/mailbox"
	"github.com/troupe-go/troupe/remote/server"
	"github.com/troupe-go/troupe/remote/wire"
)

// Defaults of the node, used for the Config fields left at zero (the
// handshake's and the stop's are server.DefaultHandshakeTimeout and
// server.DefaultStopTimeout).
const (
	// DefaultOutboundQueue bounds the messages waiting for one peer.
	DefaultOutboundQueue = 4096
	// DefaultOutboundBytes bounds the bytes of the messages waiting for
	// one peer: 16 frames of the largest default size.
	DefaultOutboundBytes = 64 << 20
	// DefaultInboundBytes bounds the payload bytes one peer's messages hold
	// in local mailboxes, not yet taken by their actors.
	DefaultInboundBytes = 64 << 20
	// DefaultHeartbeatInterval is how long a connection stays quiet
	// before it sends a heartbeat.
	DefaultHeartbeatInterval = time.Second
	// DefaultHeartbeatTimeout is how long a peer may stay silent before it
	// is declared down.
	DefaultHeartbeatTimeout = 3 * time.Second
	// DefaultReconnectMin is the first pause between connection attempts.
	DefaultReconnectMin = 50 * time.Millisecond
	// DefaultReconnectMax caps the pause between connection attempts.
	DefaultReconnectMax = 5 * time.Second
	// DefaultReconnectGiveUp is how long a peer that cannot be reached
	// keeps its queued messages before they become dead letters.
	DefaultReconnectGiveUp = 30 * time.Second
	// DefaultMaxPeers bounds the other nodes a node knows at once.
	DefaultMaxPeers = 1024
	// DefaultMaxWatches bounds the watches one peer holds on a node's
	// actors.
	DefaultMaxWatches = 16384
	// DefaultMaxConns bounds the inbound connections a node serves at
	// once: the peers and the handshakes.
	DefaultMaxConns = DefaultMaxPeers + DefaultMaxHandshakes
	// DefaultMaxHandshakes bounds the inbound handshakes in progress.
	DefaultMaxHandshakes = 64
)

// Config configures a node made by Start. Its zero value works: a node on
// 127.0.0.1 on a free port, with the built-in types only, no cookie and
// no TLS, which loopback allows. Every field says what zero means.
type Config struct {
	// Addr is the TCP address to listen on, host:port. "" means
	// "127.0.0.1:0" (a free port; see Node.Addr), and an empty host, as in
	// ":7001", means 127.0.0.1: a node is reachable from other machines
	// only when asked for.
	Addr string

	// Advertise is the address other nodes dial to reach this one, and the
	// Address its actors' PIDs carry on other nodes. "" means the address
	// actually bound. It is required when Addr's host is unspecified
	// ("0.0.0.0:7001", "[::]:7001"), which no peer can dial.
	Advertise string

	// Cookie is the secret every node of the network shares: both sides of
	// each connection prove they know it (HMAC-SHA256 over fresh nonces; it
	// is never sent). Nil is the empty cookie, allowed only on loopback
	// unless TLS verifies client certificates or Insecure is set.
	Cookie []byte

	// TLS, when not nil, secures both directions: the node serves TLS with
	// it and dials other nodes with it (Certificates, RootCAs and
	// ServerName as for any client; an empty ServerName means the host of
	// the address dialled). Setting ClientCAs makes TLS mutual: client
	// certificates are then required and verified (ClientAuth is raised to
	// tls.RequireAndVerifyClientCert if left lower). The cookie proof still
	// runs inside TLS. Nil means plain TCP.
	TLS *tls.Config

	// VerifyPeerAddress, with mutual TLS, binds a peer's address to its
	// certificate: the certificate a peer presents must name the host of
	// the address it claims (x509's VerifyHostname: an IP address SAN for
	// an IP, a DNS SAN for a name), or the connection is refused as
	// unconfirmed, whether or not a session with that address is live. A
	// claim the certificate covers needs no dial-back confirmation. (The
	// dialling side's TLS already checks that the certificate names the
	// host dialled.) False trusts any certificate of the CA with any
	// address; Start refuses true without mutual TLS.
	VerifyPeerAddress bool

	// Listener, when not nil, is where the node accepts connections
	// instead of listening on Addr, which is then ignored: a socket handed
	// over by a service manager, or the in-memory network of package
	// actortest. The node closes it when it stops. The cookie rule below
	// applies to its address; Advertise "" means that address.
	Listener net.Listener

	// Dial, when not nil, makes the node's connections to other nodes
	// instead of TCP: through a proxy, or over actortest's in-memory
	// network. Nil means a net.Dialer over TCP.
	Dial func(ctx context.Context, addr string) (net.Conn, error)

	// Insecure lets a node listen beyond loopback with neither a cookie nor
	// mutual TLS. False refuses it with ErrInsecure.
	Insecure bool

	// Types lists the message types that may cross the wire. Nil means
	// NewTypes(): the built-in types only.
	Types *Types

	// OutboundQueue bounds the messages waiting to be written to one peer.
	// Zero means DefaultOutboundQueue.
	OutboundQueue int

	// OutboundBytes bounds the bytes of the messages waiting to be written
	// to one peer, each weighed when sent as the frame it will make, at
	// most: a queue of OutboundQueue messages of MaxFrameSize bytes would
	// otherwise hold gigabytes. A send that finds them spent is treated as
	// one that finds the queue full (Overflow), except that DropOldest
	// drops the message sent; each is counted (PeerStats.QueueBytesFull)
	// and logged at a limited rate. An empty queue takes any message. Zero
	// means DefaultOutboundBytes, or MaxFrameSize if that is larger; it
	// must be at least MaxFrameSize.
	OutboundBytes int

	// InboundBytes bounds the payload bytes of the messages read from one
	// peer that wait in local mailboxes, not yet taken by their actors
	// (messages under 4 KiB are not counted: a mailbox of n slots holds at
	// most n × 4 KiB of those). Over the bound the node stops reading from
	// the peer, so that TCP holds it back, for half the HeartbeatTimeout at
	// most, as for a full Block mailbox; a message that still does not fit
	// is then a dead letter (ErrInboundFull). Each wait is counted
	// (PeerStats.InboundBytesFull) and logged at a limited rate. Zero means
	// DefaultInboundBytes, or MaxFrameSize if that is larger; it must be at
	// least MaxFrameSize.
	InboundBytes int

	// Overflow says what a send does when a peer's queue is full: Block
	// (the zero value) waits for room as a Block mailbox does (TrySend
	// returns mailbox.ErrFull); DropNewest and DropOldest drop a message as
	// a dead letter with reason ErrQueueFull; Reject returns mailbox.ErrFull.
	Overflow mailbox.Overflow

	// MaxFrameSize bounds each frame read or written, in bytes. Zero means
	// wire.DefaultMaxFrameSize (4 MiB).
	MaxFrameSize int

	// MaxConns bounds the inbound connections served at once: while that
	// many are open, no other is accepted. Zero means DefaultMaxConns;
	// negative means no limit.
	MaxConns int

	// MaxHandshakes bounds the inbound connections still in their
	// handshake (TLS and troupe), apart from the established ones, so that
	// connections that never finish cannot lock real peers out: one over
	// the bound is closed at once, and counted (HandshakeFailures, "busy").
	// Zero means DefaultMaxHandshakes.
	MaxHandshakes int

	// MaxPeers bounds the other nodes this node knows at once: those it
	// sends to and those connected to it. A send to another node is then
	// refused with ErrTooManyPeers, and so is an inbound connection from
	// another node (counted as "refused"). A peer made by an inbound
	// connection goes away with it when nothing waits for it. Zero means
	// DefaultMaxPeers.
	MaxPeers int

	// MaxWatches bounds the watches one peer holds on this node's actors.
	// A watch over the bound is answered at once with Terminated (reason
	// ErrTooManyWatches), logged at a limited rate, and counted
	// (PeerStats.WatchesRefused). Zero means DefaultMaxWatches.
	MaxWatches int

	// Expose, when not nil, says what other nodes may do to this node's
	// actors: it is asked, with the actor's id, for every message, watch
	// and stop a peer sends. False refuses it: a message becomes a dead
	// letter (ErrNotExposed; a request fails with it), a watch is answered
	// with Terminated, a stop is dropped; each is counted
	// (PeerStats.AccessRefused) and logged at a limited rate. Nil lets every
	// peer that knows the cookie send to, watch and stop every actor it can
	// name: the default, for compatibility. NoRemoteStop forbids stops.
	Expose func(id string, a Access) bool

	// AllowDial, when not nil, is asked before this node dials an address
	// for the first time: a PID inside a payload can name any host:port, and
	// answering it would make this node dial there. False refuses the send
	// with ErrDialNotAllowed (a dead letter for a reply). Nil allows every
	// address.
	AllowDial func(addr string) bool

	// HandshakeTimeout bounds each connection's setup: TCP connect, TLS
	// and the troupe handshake. Zero means server.DefaultHandshakeTimeout.
	HandshakeTimeout time.Duration

	// HeartbeatInterval is how long a connection may go without sending
	// before it sends a heartbeat. Zero means DefaultHeartbeatInterval.
	HeartbeatInterval time.Duration

	// HeartbeatTimeout is how long a peer may stay silent, or a write to it
	// stay stuck, before it is declared down. Zero means
	// DefaultHeartbeatTimeout. It must exceed HeartbeatInterval.
	HeartbeatTimeout time.Duration

	// ReconnectMin and ReconnectMax bound the pause between two attempts
	// to connect to a peer that has messages waiting: it starts at
	// ReconnectMin, doubles with each failure up to ReconnectMax, with
	// jitter. Zero means DefaultReconnectMin and DefaultReconnectMax.
	ReconnectMin, ReconnectMax time.Duration

	// ReconnectGiveUp is how long a peer keeps trying before the messages
	// waiting for it become dead letters (ErrNodeUnreachable). Zero means
	// DefaultReconnectGiveUp.
	ReconnectGiveUp time.Duration

	// StopTimeout bounds the grace period of a graceful stop, by Stop (whose
	// context can cut it shorter) or StopOn, as the server's WithStopTimeout
	// does. Zero means server.DefaultStopTimeout.
	StopTimeout time.Duration

	// AllowRemoteSpawn lets other nodes start actors here with
	// Node.SpawnRemote, of the kinds registered with Node.RegisterKind.
	// False, the zero value, answers every spawn with ErrSpawnDisabled: a
	// peer may then reach the actors this node made, but not make it
	// create actors (state, goroutines, well-known names) of its choosing.
	AllowRemoteSpawn bool

	// Logger receives the node's log records. Nil means none.
	Logger *slog.Logger
}

// defaults returns a copy of c with every zero field given its default,
// and TLS made mutual when ClientCAs is set.
func (c Config) defaults() Config {
	c.Addr = netx.ListenAddr(c.Addr)
	if c.Types == nil {
		c.Types = NewTypes()
	}
	setDefault(&c.OutboundQueue, DefaultOutboundQueue)
	setDefault(&c.MaxFrameSize, wire.DefaultMaxFrameSize)
	setDefault(&c.OutboundBytes, max(DefaultOutboundBytes, c.MaxFrameSize))
	setDefault(&c.InboundBytes, max(DefaultInboundBytes, c.MaxFrameSize))
	setDefault(&c.HandshakeTimeout, server.DefaultHandshakeTimeout)
	setDefault(&c.HeartbeatInterval, DefaultHeartbeatInterval)
	setDefault(&c.HeartbeatTimeout, DefaultHeartbeatTimeout)
	setDefault(&c.ReconnectMin, DefaultReconnectMin)
	setDefault(&c.ReconnectMax, DefaultReconnectMax)
	setDefault(&c.ReconnectGiveUp, DefaultReconnectGiveUp)
	setDefault(&c.StopTimeout, server.DefaultStopTimeout)
	setDefault(&c.MaxConns, DefaultMaxConns)
	setDefault(&c.MaxHandshakes, DefaultMaxHandshakes)
	setDefault(&c.MaxPeers, DefaultMaxPeers)
	setDefault(&c.MaxWatches, DefaultMaxWatches)
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.TLS != nil {
		c.TLS = c.TLS.Clone()
		if c.TLS.ClientCAs != nil && c.TLS.ClientAuth < tls.RequireAndVerifyClientCert {
			c.TLS.ClientAuth = tls.RequireAndVerifyClientCert
		}
		if c.TLS.MinVersion < tls.VersionTLS12 {
			c.TLS.MinVersion = tls.VersionTLS12
		}
	}
	return c
}

func setDefault[T int | time.Duration](v *T, d T) {
	if *v == 0 {
		*v = d
	}
}

// validate reports the first field of a defaulted Config that cannot work.
func (c *Config) validate() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: "+format, append([]any{ErrInvalidConfig}, args...)...)
	}
	host, _, err := net.SplitHostPort(c.Addr)
	switch {
	case err != nil:
		return bad("Addr %q is not host:port", c.Addr)
	case c.Advertise == "" && isUnspecified(host):
		return bad("Addr %q listens on every interface: set Advertise to the address peers dial", c.Addr)
	case c.OutboundQueue < 0, c.MaxFrameSize < 0, c.MaxHandshakes < 0, c.MaxPeers < 0, c.MaxWatches < 0:
		return bad("OutboundQueue, MaxFrameSize, MaxHandshakes, MaxPeers and MaxWatches must not be negative")
	case c.MaxFrameSize < 1024:
		return bad("MaxFrameSize %d is under 1024 bytes", c.MaxFrameSize)
	case c.OutboundBytes < c.MaxFrameSize, c.InboundBytes < c.MaxFrameSize:
		return bad("OutboundBytes %d and InboundBytes %d must be at least MaxFrameSize %d", c.OutboundBytes, c.InboundBytes, c.MaxFrameSize)
	case c.Overflow > mailbox.Reject:
		return bad("unknown Overflow %v", c.Overflow)
	case c.HandshakeTimeout < 0, c.HeartbeatInterval < 0, c.ReconnectMin < 0, c.ReconnectGiveUp < 0, c.StopTimeout < 0:
		return bad("durations must not be negative")
	case c.HeartbeatTimeout <= c.HeartbeatInterval:
		return bad("HeartbeatTimeout %v must exceed HeartbeatInterval %v", c.HeartbeatTimeout, c.HeartbeatInterval)
	case c.ReconnectMax < c.ReconnectMin:
		return bad("ReconnectMax %v is under ReconnectMin %v", c.ReconnectMax, c.ReconnectMin)
	case c.TLS != nil && !netx.HasCertificate(c.TLS):
		return bad("TLS has no certificate to serve with")
	case c.VerifyPeerAddress && (c.TLS == nil || c.TLS.ClientAuth != tls.RequireAndVerifyClientCert):
		return bad("VerifyPeerAddress needs mutual TLS (TLS with ClientCAs)")
	}
	if c.Advertise != "" {
		if _, _, err := net.SplitHostPort(c.Advertise); err != nil || len(c.Advertise) > wire.MaxAddrLen {
			return bad("Advertise %q is not host:port of at most %d bytes", c.Advertise, wire.MaxAddrLen)
		}
	}
	if c.Listener != nil {
		host, _, _ = net.SplitHostPort(c.Listener.Addr().String())
	}
	mutualTLS := c.TLS != nil && c.TLS.ClientAuth == tls.RequireAndVerifyClientCert
	if !isLoopback(host) && len(c.Cookie) == 0 && !mutualTLS && !c.Insecure {
		return fmt.Errorf("%w: Addr %q", ErrInsecure, c.Addr)
	}
	return nil
}

// isLoopback reports whether host names only this machine.
func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.IsLoopback()
}

// isUnspecified reports whether host is 0.0.0.0 or ::, every interface.
func isUnspecified(host string) bool {
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.IsUnspecified()
}
