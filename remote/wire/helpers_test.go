package wire_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/troupe-go/troupe/remote/wire"
	"github.com/vmihailenco/msgpack/v5"
)

// seq returns n bytes counting up from first: seq(1, 32) is 01 02 ... 20.
func seq(first byte, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = first + byte(i)
	}
	return b
}

// The parameters of the spec's handshake vectors (section 8.1).
const (
	addrI  = "127.0.0.1:7001"
	addrA  = "127.0.0.1:7002"
	cookie = "test-cookie"
)

var (
	incI   = wire.Incarnation(seq(0x41, 16))
	incA   = wire.Incarnation(seq(0x51, 16))
	nonceI = wire.Nonce(seq(0x01, 32))
	nonceA = wire.Nonce(seq(0x21, 32))
)

// vectorConfigs returns the initiator's and the acceptor's configs of the
// spec's handshake, with nonces from fixed readers.
func vectorConfigs() (initiator, acceptor wire.HandshakeConfig) {
	initiator = wire.HandshakeConfig{Cookie: []byte(cookie), Addr: addrI, Incarnation: incI, Rand: bytes.NewReader(nonceI[:])}
	acceptor = wire.HandshakeConfig{Cookie: []byte(cookie), Addr: addrA, Incarnation: incA, Rand: bytes.NewReader(nonceA[:])}
	return initiator, acceptor
}

// recorder is a net.Conn that keeps a copy of everything written to it.
type recorder struct {
	net.Conn
	mu  sync.Mutex
	out bytes.Buffer
}

func (r *recorder) Write(p []byte) (int, error) {
	n, err := r.Conn.Write(p)
	r.mu.Lock()
	r.out.Write(p[:n])
	r.mu.Unlock()
	return n, err
}

func (r *recorder) written() []byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	return bytes.Clone(r.out.Bytes())
}

// pipe returns both ends of a net.Pipe with a deadline, closed at cleanup.
func pipe(t testing.TB) (net.Conn, net.Conn) {
	t.Helper()
	a, b := net.Pipe()
	deadline := time.Now().Add(10 * time.Second)
	a.SetDeadline(deadline)
	b.SetDeadline(deadline)
	t.Cleanup(func() {
		a.Close()
		b.Close()
	})
	return a, b
}

type handshakeResult struct {
	peer wire.Peer
	err  error
}

// runHandshake runs Dial and Accept against each other over a pipe and
// returns what each side wrote and got.
func runHandshake(t *testing.T, ci, ca wire.HandshakeConfig, decide func(wire.Peer) error) (dial, accept handshakeResult, wroteI, wroteA []byte) {
	t.Helper()
	return runHandshakeDecide(t, ci, ca, decide)
}

// runHandshakeTB is runHandshake for any testing.TB, with no decide hook;
// it fails unless the handshake succeeds.
func runHandshakeTB(tb testing.TB, ci, ca wire.HandshakeConfig) (dial, accept handshakeResult, wroteI, wroteA []byte) {
	tb.Helper()
	dial, accept, wroteI, wroteA = runHandshakeDecide(tb, ci, ca, nil)
	if dial.err != nil || accept.err != nil {
		tb.Fatalf("handshake: dial %v, accept %v", dial.err, accept.err)
	}
	return dial, accept, wroteI, wroteA
}

func runHandshakeDecide(t testing.TB, ci, ca wire.HandshakeConfig, decide func(wire.Peer) error) (dial, accept handshakeResult, wroteI, wroteA []byte) {
	t.Helper()
	a, b := pipe(t)
	ri, ra := &recorder{Conn: a}, &recorder{Conn: b}
	done := make(chan handshakeResult)
	go func() {
		p, err := wire.Accept(ra, ca, decide)
		if err != nil {
			ra.Close()
		}
		done <- handshakeResult{p, err}
	}()
	p, err := wire.Dial(ri, ci)
	if err != nil {
		ri.Close()
	}
	dial = handshakeResult{p, err}
	accept = <-done
	return dial, accept, ri.written(), ra.written()
}

// runConfirmTB runs a confirmation of n between ci and ca over a pipe,
// and fails unless both sides end as they should.
func runConfirmTB(tb testing.TB, ci, ca wire.HandshakeConfig, n wire.Nonce) (yes bool, peer wire.Peer, wroteI, wroteA []byte) {
	tb.Helper()
	a, b := pipe(tb)
	ri, ra := &recorder{Conn: a}, &recorder{Conn: b}
	done := make(chan error, 1)
	go func() {
		_, err := wire.Accept(ra, ca, nil)
		done <- err
	}()
	peer, yes, err := wire.Confirm(ri, ci, n)
	if err != nil {
		tb.Fatalf("Confirm: %v", err)
	}
	if err := <-done; !errors.Is(err, wire.ErrConfirmation) {
		tb.Fatalf("Accept of a confirmation: %v", err)
	}
	return yes, peer, ri.written(), ra.written()
}

// splitFrames cuts a stream of frames into frames, prefixes included.
func splitFrames(t testing.TB, b []byte) [][]byte {
	t.Helper()
	var out [][]byte
	for len(b) > 0 {
		if len(b) < 4 {
			t.Fatalf("stray %d bytes after the frames", len(b))
		}
		n := 4 + int(binary.BigEndian.Uint32(b))
		if n > len(b) {
			t.Fatalf("truncated frame: %d bytes of %d", len(b), n)
		}
		out = append(out, b[:n])
		b = b[n:]
	}
	return out
}

// frameOf returns a complete frame (prefix included) holding body bytes.
func frameOf(msgpack ...byte) []byte {
	return append(binary.BigEndian.AppendUint32(nil, uint32(len(msgpack))), msgpack...)
}

// readOne reads the one frame in b with a Reader.
func readOne(b []byte) (*wire.Reader, wire.Frame, error) {
	r := wire.NewReader(bytes.NewReader(b), 0)
	f, err := r.ReadFrame()
	return r, f, err
}

// decodePayload decodes a payload into the concrete type v points to, as
// the node does with the type its registry names.
func decodePayload(p msgpack.RawMessage, v any) error {
	return msgpack.Unmarshal(p, v)
}
