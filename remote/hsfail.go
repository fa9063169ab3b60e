package remote

import (
	"errors"
	"net"
	"sync/atomic"

	"github.com/troupe-go/troupe/remote/wire"
)

// Reasons a handshake fails, as counted by Node.HandshakeFailures: a
// bounded set, fit for a metric label.
var handshakeReasons = [...]string{
	"bad_magic",     // garbage, or another protocol, where a Hello belongs
	"version",       // a protocol version this node does not speak
	"bad_proof",     // a wrong cookie, on either side
	"malformed",     // a frame that breaks the spec, or one out of order
	"timeout",       // the handshake did not finish within HandshakeTimeout
	"tls",           // the TLS handshake failed
	"address",       // the node reached calls itself by another address
	"duplicate",     // a simultaneous connect, settled by refusing one side
	"shutting_down", // a node that stops
	"refused",       // refused for another reason
	"unconfirmed",   // a claimed address this node holds something for, which its node did not confirm
	"busy",          // MaxHandshakes inbound handshakes were in progress already
	"other",         // a network error
}

// handshakeFailures counts failed handshakes by reason, both directions.
type handshakeFailures [len(handshakeReasons)]counter

// counter is an atomic count that can live in an array.
type counter struct{ n atomic.Uint64 }

// count records a failed handshake and returns the index of its reason.
func (h *handshakeFailures) count(err error) int {
	i := handshakeReason(err)
	h[i].n.Add(1)
	return i
}

func handshakeReason(err error) int {
	var refused *wire.RefusedError
	var netErr net.Error
	switch {
	case errors.Is(err, wire.ErrBadMagic):
		return 0
	case errors.Is(err, wire.ErrVersion):
		return 1
	case errors.Is(err, wire.ErrBadProof):
		return 2
	case errors.As(err, &refused) && refused.Code == wire.CodeDuplicate:
		return 7
	case errors.As(err, &refused) && refused.Code == wire.CodeShuttingDown:
		return 8
	case errors.As(err, &refused) && refused.Code == wire.CodeUnconfirmed:
		return 10
	case errors.As(err, &refused):
		return 9
	case errors.Is(err, wire.ErrMalformed), errors.Is(err, wire.ErrUnexpectedFrame), errors.Is(err, wire.ErrUnknownFrame),
		errors.Is(err, wire.ErrFrameTooLarge), errors.Is(err, wire.ErrEmptyFrame):
		return 3
	case errors.As(err, &netErr) && netErr.Timeout():
		return 4
	case errors.Is(err, errTLSHandshake):
		return 5
	case errors.Is(err, ErrBadAddress):
		return 6
	case errors.Is(err, errBusy):
		return 11
	}
	return 12
}

// errBusy closes an inbound connection while MaxHandshakes others are in
// their handshake.
var errBusy = errors.New("remote: too many handshakes in progress")

// errTLSHandshake marks a failed TLS handshake when this node dials.
var errTLSHandshake = errors.New("remote: TLS handshake failed")

// HandshakeFailures returns how many handshakes have failed, inbound and
// outbound, by reason (every reason is present, zero or not): bad_magic,
// version, bad_proof, malformed, timeout, tls, address, duplicate,
// shutting_down, refused, unconfirmed, busy, other. A duplicate is routine: two nodes that
// dialled each other at once.
func (n *Node) HandshakeFailures() map[string]uint64 {
	m := make(map[string]uint64, len(handshakeReasons))
	for i, r := range handshakeReasons {
		m[r] = n.hsFailures[i].n.Load()
	}
	return m
}
