package wire

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// Protocol constants (docs/wire-protocol.md).
const (
	// Magic opens every Hello and Challenge.
	Magic = "troupe"

	// Version is the protocol version this package speaks. Version 2 added
	// the Ack frame; version 3 makes the initiator prove first and adds
	// confirmations. A node of another version is refused with a version
	// mismatch.
	Version = 3

	// DefaultMaxFrameSize is the largest frame, length prefix excluded, that
	// a Reader accepts and an Encoder writes when given no other limit.
	DefaultMaxFrameSize = 4 << 20

	// MaxHandshakeFrameSize is the largest frame accepted during the
	// handshake, when the peer is not yet authenticated.
	MaxHandshakeFrameSize = 1024

	// MaxAddrLen is the longest node address, in bytes, a handshake carries.
	MaxAddrLen = 255

	// MaxIDLen is the longest actor id, in bytes, a session frame carries
	// (target, sender, watcher, a spawned actor's name).
	MaxIDLen = 255

	// MaxTypeNameLen is the longest type or kind name, in bytes, a session
	// frame carries.
	MaxTypeNameLen = 255

	// MaxTextLen is the longest reason or error text, in bytes, a session
	// frame carries. The Encoder cuts a longer text; the Decoder refuses it.
	MaxTextLen = 1024

	// HeaderSize is the size of the length prefix of every frame.
	HeaderSize = 4
)

// FrameType is the first element of every frame: it says which body
// follows.
type FrameType uint8

// The frame types of protocol version 3.
const (
	FrameHello      FrameType = 1  // initiator → acceptor: Hello
	FrameChallenge  FrameType = 2  // acceptor → initiator: Challenge
	FrameProof      FrameType = 3  // initiator → acceptor: Proof
	FrameAccept     FrameType = 4  // acceptor → initiator: empty body, the session starts
	FrameRefuse     FrameType = 5  // either, then close: Refuse
	FrameMessage    FrameType = 16 // Message
	FrameReply      FrameType = 17 // Reply
	FrameWatch      FrameType = 18 // Watch
	FrameUnwatch    FrameType = 19 // Watch (the same body)
	FrameTerminated FrameType = 20 // Terminated
	FrameStop       FrameType = 21 // Stop
	FrameSpawn      FrameType = 22 // Spawn
	FrameSpawned    FrameType = 23 // Spawned
	FrameHeartbeat  FrameType = 24 // empty body
	FrameClose      FrameType = 25 // Close
	FrameAck        FrameType = 26 // Ack
)

var frameNames = [...]string{
	FrameHello:      "Hello",
	FrameChallenge:  "Challenge",
	FrameProof:      "Proof",
	FrameAccept:     "Accept",
	FrameRefuse:     "Refuse",
	FrameMessage:    "Message",
	FrameReply:      "Reply",
	FrameWatch:      "Watch",
	FrameUnwatch:    "Unwatch",
	FrameTerminated: "Terminated",
	FrameStop:       "Stop",
	FrameSpawn:      "Spawn",
	FrameSpawned:    "Spawned",
	FrameHeartbeat:  "Heartbeat",
	FrameClose:      "Close",
	FrameAck:        "Ack",
}

// String returns the frame type's name, or "FrameType(N)" for an unknown
// one.
func (t FrameType) String() string {
	if int(t) < len(frameNames) && frameNames[t] != "" {
		return frameNames[t]
	}
	return "FrameType(" + strconv.Itoa(int(t)) + ")"
}

// Known reports whether the protocol defines t.
func (t FrameType) Known() bool {
	return int(t) < len(frameNames) && frameNames[t] != ""
}

// Handshake reports whether t belongs to the handshake phase.
func (t FrameType) Handshake() bool {
	return t >= FrameHello && t <= FrameRefuse
}

// Frame is one frame read off the connection: its type and its body, the
// msgpack array that follows the type. Body is a sub-slice of the reader's
// buffer, valid until the next read.
type Frame struct {
	Type FrameType // a known type: ReadFrame refuses the others
	Body []byte    // the body's msgpack array, checked
}

// readFrame reads one length-prefixed frame from r into buf (grown if it
// is short) and returns the frame's bytes. A frame longer than limit, or
// empty, is refused before anything is read past the prefix. An end of
// stream before the first byte is io.EOF; anywhere else it is
// io.ErrUnexpectedEOF.
func readFrame(r io.Reader, hdr *[HeaderSize]byte, buf []byte, limit int) ([]byte, error) {
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, fmt.Errorf("wire: truncated frame length: %w", io.ErrUnexpectedEOF)
		}
		return nil, err
	}
	n := binary.BigEndian.Uint32(hdr[:])
	if n == 0 {
		return nil, ErrEmptyFrame
	}
	if uint64(n) > uint64(limit) {
		return nil, fmt.Errorf("%w: %d bytes, at most %d", ErrFrameTooLarge, n, limit)
	}
	b := buf
	if cap(b) < int(n) {
		size := int(n)
		if size <= keepBufferSize {
			size = max(size, min(2*cap(b), keepBufferSize))
		}
		b = make([]byte, size)
	}
	b = b[:n]
	if _, err := io.ReadFull(r, b); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, fmt.Errorf("wire: truncated frame of %d bytes: %w", n, io.ErrUnexpectedEOF)
		}
		return nil, err
	}
	return b, nil
}

// isFramingError reports whether err says the bytes are not a frame at all,
// as opposed to an I/O error.
func isFramingError(err error) bool {
	return errors.Is(err, ErrEmptyFrame) || errors.Is(err, ErrFrameTooLarge) ||
		errors.Is(err, ErrMalformed) || errors.Is(err, ErrUnknownFrame)
}
