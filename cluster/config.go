package cluster

import (
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strconv"
	"time"

	"github.com/troupe-go/troupe/actor"
)

// Defaults for the Config fields left at zero.
const (
	// DefaultIdleAfter is how long a grain may go without a message before
	// it passivates.
	DefaultIdleAfter = time.Minute
	// DefaultLeaveTimeout bounds the wait for the leave broadcast in Stop
	// when its context has no deadline.
	DefaultLeaveTimeout = 5 * time.Second
	// DefaultForgetDeadAfter is how long a dead member is remembered and
	// tried again.
	DefaultForgetDeadAfter = time.Hour
)

// Profile picks memberlist's timing: how often members probe each other
// and how long a silent one stays suspect before it is declared dead.
type Profile int

const (
	// LAN is memberlist's LAN profile, the default: probes every second,
	// a silent member is dead after a few seconds.
	LAN Profile = iota
	// Loopback is for members on one host, and tests: probes every
	// 200 ms, a silent member is dead within 2.5 s.
	Loopback
)

// String names the profile.
func (p Profile) String() string {
	switch p {
	case LAN:
		return "LAN"
	case Loopback:
		return "Loopback"
	}
	return "Profile(" + strconv.Itoa(int(p)) + ")"
}

// Config configures a member made by Start. Its zero value works for one
// member on loopback that hosts nothing: it can still send to the grains
// of the members it joins. Every field says what zero means.
type Config struct {
	// Addr is the address memberlist binds, for UDP and TCP, host:port.
	// "" means "127.0.0.1:0" (a free port; see Cluster.GossipAddr), and an
	// empty host, as in ":7946", means 127.0.0.1.
	Addr string

	// Advertise is the address other members reach this one's memberlist
	// at. "" means the address bound. It is required when Addr's host is
	// unspecified ("0.0.0.0:7946").
	Advertise string

	// Seeds are members to join, host:port; a DNS name that resolves to
	// several addresses (a Kubernetes headless service) joins them all.
	// Start joins them before it returns and, if none answered, keeps
	// trying in the background every RejoinInterval. Nil means this member
	// starts a cluster of its own.
	Seeds []string

	// SecretKey encrypts and authenticates memberlist's gossip (AES-GCM;
	// 16, 24 or 32 bytes): without it anyone who reaches the port can
	// join, or declare a member dead. Nil is allowed only on loopback,
	// unless Insecure is set.
	SecretKey []byte

	// Insecure lets a member gossip beyond loopback without a SecretKey.
	Insecure bool

	// Kinds are the grains this member hosts: a producer per kind. Each
	// kind is registered on the node (Node.RegisterKind), whose Config
	// must set AllowRemoteSpawn. Nil means none: this member only sends.
	Kinds map[string]actor.Producer

	// IdleAfter is how long a grain may go without a message before it
	// passivates (stops; its Stopping runs). Zero means DefaultIdleAfter;
	// a negative value means never.
	IdleAfter time.Duration

	// Profile picks memberlist's timing. Zero means LAN.
	Profile Profile

	// RejoinInterval is how often a member that has lost members it did
	// not see leave, or sees no other member, tries to join them (and the
	// Seeds) again, so that a healed partition merges. Zero means 1 s for
	// Loopback and 10 s for LAN.
	RejoinInterval time.Duration

	// ForgetDeadAfter is how long a member declared dead stays in the view
	// (and is tried every RejoinInterval) before it is forgotten: long
	// enough for a partition to heal, short enough that members replaced
	// under new addresses (a Kubernetes pod) do not pile up. Zero means
	// DefaultForgetDeadAfter; a negative value means never.
	ForgetDeadAfter time.Duration

	// Logger receives the member's log records, memberlist's among them.
	// Nil means none.
	Logger *slog.Logger
}

// defaults returns a copy of c with every zero field given its default.
func (c Config) defaults() Config {
	if c.Addr == "" {
		c.Addr = "127.0.0.1:0"
	} else if host, port, err := net.SplitHostPort(c.Addr); err == nil && host == "" {
		c.Addr = net.JoinHostPort("127.0.0.1", port)
	}
	if c.IdleAfter == 0 {
		c.IdleAfter = DefaultIdleAfter
	}
	if c.RejoinInterval == 0 {
		c.RejoinInterval = 10 * time.Second
		if c.Profile == Loopback {
			c.RejoinInterval = time.Second
		}
	}
	if c.ForgetDeadAfter == 0 {
		c.ForgetDeadAfter = DefaultForgetDeadAfter
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

// validate reports the first field of a defaulted Config that cannot work.
func (c *Config) validate() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: "+format, append([]any{ErrInvalidConfig}, args...)...)
	}
	host, port, err := net.SplitHostPort(c.Addr)
	if err != nil {
		return bad("Addr %q is not host:port", c.Addr)
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return bad("Addr %q: memberlist binds an IP address, not %q", c.Addr, host)
	}
	if _, err := strconv.ParseUint(port, 10, 16); err != nil {
		return bad("Addr %q: bad port", c.Addr)
	}
	if c.Advertise == "" && ip.IsUnspecified() {
		return bad("Addr %q listens on every interface: set Advertise", c.Addr)
	}
	if c.Advertise != "" {
		h, p, err := net.SplitHostPort(c.Advertise)
		if err != nil {
			return bad("Advertise %q is not host:port", c.Advertise)
		}
		if _, err := netip.ParseAddr(h); err != nil {
			return bad("Advertise %q: an IP address is needed, not %q", c.Advertise, h)
		}
		if _, err := strconv.ParseUint(p, 10, 16); err != nil {
			return bad("Advertise %q: bad port", c.Advertise)
		}
	}
	switch len(c.SecretKey) {
	case 0:
		if !ip.IsLoopback() && !c.Insecure {
			return bad("Addr %q is not loopback: set SecretKey (or Insecure)", c.Addr)
		}
	case 16, 24, 32:
	default:
		return bad("SecretKey of %d bytes: want 16, 24 or 32", len(c.SecretKey))
	}
	for kind, p := range c.Kinds {
		if err := (ID{Kind: kind, Name: "x"}).validate(); err != nil {
			return bad("kind %q: %v", kind, err)
		}
		if p == nil {
			return bad("kind %q has a nil producer", kind)
		}
	}
	if c.Profile != LAN && c.Profile != Loopback {
		return bad("unknown %v", c.Profile)
	}
	if c.RejoinInterval < 0 {
		return bad("RejoinInterval %v is negative", c.RejoinInterval)
	}
	for _, s := range c.Seeds {
		if _, _, err := net.SplitHostPort(s); err != nil {
			return bad("seed %q is not host:port", s)
		}
	}
	return nil
}
