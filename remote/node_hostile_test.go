package remote_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/troupe-go/troupe/actor"
	"github.com/troupe-go/troupe/actortest"
	"github.com/troupe-go/troupe/internal/testkit"
	"github.com/troupe-go/troupe/remote"
	"github.com/troupe-go/troupe/remote/wire"
	"github.com/vmihailenco/msgpack/v5"
)

// The tests of this file play a hostile peer that knows the cookie: what
// it may claim and send, and what the node must refuse or bound.

// hostileCookie is the cookie the nodes and the hostile peer share.
var hostileCookie = []byte("shared by every node, and the hostile peer")

// hostile is a raw troupe connection, handshaken as a node claiming addr.
type hostile struct {
	t    testing.TB
	conn net.Conn
	enc  *wire.Encoder
	r    *wire.Reader
}

// dialAs connects to the node at target claiming to be the node at addr,
// with a fresh incarnation, and runs the initiator's handshake; it returns
// the connection and the handshake's error.
func dialAs(t testing.TB, target, addr string) (*hostile, error) {
	t.Helper()
	conn, err := net.DialTimeout("tcp", target, testkit.WaitLimit)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { conn.Close() })
	inc, err := wire.NewIncarnation(nil)
	if err != nil {
		t.Fatal(err)
	}
	conn.SetDeadline(time.Now().Add(testkit.WaitLimit))
	_, err = wire.Dial(conn, wire.HandshakeConfig{Cookie: hostileCookie, Addr: addr, Incarnation: inc})
	conn.SetDeadline(time.Time{})
	return &hostile{t: t, conn: conn, enc: wire.NewEncoder(64 << 20), r: wire.NewReader(conn, 64<<20)}, err
}

// send writes the frames fn appends.
func (h *hostile) send(fn func(e *wire.Encoder) error) {
	h.t.Helper()
	if err := fn(h.enc); err != nil {
		h.t.Fatalf("encode: %v", err)
	}
	h.conn.SetWriteDeadline(time.Now().Add(testkit.WaitLimit))
	if _, err := h.enc.WriteTo(h.conn); err != nil {
		h.t.Fatalf("write: %v", err)
	}
	h.enc.Reset()
}

// sendRaw writes a frame of type t whose body holds the values given,
// encoded by msgpack as they are, bypassing the Encoder's checks.
func (h *hostile) sendRaw(t wire.FrameType, body ...any) {
	h.t.Helper()
	b, err := msgpack.Marshal([]any{uint8(t), body})
	if err != nil {
		h.t.Fatal(err)
	}
	h.conn.SetWriteDeadline(time.Now().Add(testkit.WaitLimit))
	if _, err := h.conn.Write(append(binary.BigEndian.AppendUint32(nil, uint32(len(b))), b...)); err != nil {
		h.t.Fatalf("write: %v", err)
	}
}

// TestNodeImpostorCannotReplaceLiveSession: a cookie holder that dials A
// claiming B's address, with a fresh incarnation, is refused and counted;
// A keeps its session with the real B, and B's actors stay reachable and
// watched.
func TestNodeImpostorCannotReplaceLiveSession(t *testing.T) {
	cfg := remote.Config{Cookie: hostileCookie}
	a, b := startNode(t, cfg), startNode(t, cfg)
	spawn(t, b.sys, "target", echoActor)
	w := actortest.NewProbe(t, a.sys)
	w.Watch(b.pid("target"))
	if _, err := a.sys.Request(ctxT(t), b.pid("target"), Ping{1}); err != nil {
		t.Fatal(err)
	}

	_, err := dialAs(t, a.node.Addr(), b.node.Addr())
	var refused *wire.RefusedError
	if !errors.As(err, &refused) {
		t.Fatalf("an impostor of %s completed the handshake: err = %v", b.node.Addr(), err)
	}
	// An incarnation is no secret: one handshake with B tells it. Claiming
	// B's own incarnation does not help.
	conn, err := net.DialTimeout("tcp", b.node.Addr(), testkit.WaitLimit)
	if err != nil {
		t.Fatal(err)
	}
	bInfo, err := wire.Dial(conn, wire.HandshakeConfig{Cookie: hostileCookie, Addr: "127.0.0.1:1", Incarnation: wire.Incarnation{1}})
	conn.Close()
	if err != nil {
		t.Fatal(err)
	}
	conn, err = net.DialTimeout("tcp", a.node.Addr(), testkit.WaitLimit)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(testkit.WaitLimit))
	_, err = wire.Dial(conn, wire.HandshakeConfig{Cookie: hostileCookie, Addr: b.node.Addr(), Incarnation: bInfo.Incarnation})
	// (Where A dialled B and has the lower address, the rule of
	// simultaneous connects refuses it first, as a duplicate.)
	if !errors.As(err, &refused) || (refused.Code != wire.CodeUnconfirmed && refused.Code != wire.CodeDuplicate) {
		t.Fatalf("an impostor with B's incarnation: err = %v", err)
	}
	unconfirmed := uint64(1)
	if refused.Code == wire.CodeUnconfirmed {
		unconfirmed = 2
	}

	if _, err := a.sys.Request(ctxT(t), b.pid("target"), Ping{2}); err != nil {
		t.Fatalf("B unreachable after the impostor: %v", err)
	}
	st := statsOf(a, b.node.Addr())
	if !st.Up || st.Connects != 1 {
		t.Errorf("A's peer B after the impostor: %+v, want up with 1 connect", st)
	}
	if n := w.Len(); n != 0 {
		t.Errorf("A's watcher of B's actor told %d things", n)
	}
	// A counts and logs the refusal once its handshake goroutine is
	// done, which may be after the impostor has read it.
	deadline := time.Now().Add(testkit.WaitLimit)
	for a.node.HandshakeFailures()["unconfirmed"] != unconfirmed || !strings.Contains(a.logs.String(), "claim refused: unconfirmed") {
		if time.Now().After(deadline) {
			t.Fatalf("the refused claims are not counted and logged: %v\n%s", a.node.HandshakeFailures(), a.logs)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestNodeWatchFlood: a peer's watches are bounded in number; a watch
// over the bound is answered at once with Terminated, never kept.
func TestNodeWatchFlood(t *testing.T) {
	a := startNode(t, remote.Config{Cookie: hostileCookie})
	spawn(t, a.sys, "target", echoActor)
	h, err := dialAs(t, a.node.Addr(), "127.0.0.1:1")
	if err != nil {
		t.Fatal(err)
	}
	const limit = 16384 // remote.DefaultMaxWatches
	h.send(func(e *wire.Encoder) error {
		for i := range limit + 1 {
			if err := e.AppendWatch(&wire.Watch{Target: "target", Watcher: fmt.Sprintf("w%d", i)}); err != nil {
				return err
			}
		}
		return nil
	})
	h.conn.SetReadDeadline(time.Now().Add(testkit.WaitLimit))
	for {
		f, err := h.r.ReadFrame()
		if err != nil {
			t.Fatalf("no Terminated for the watch over the bound: %v", err)
		}
		if f.Type != wire.FrameTerminated {
			continue
		}
		var m wire.Terminated
		if err := h.r.DecodeTerminated(f, &m); err != nil {
			t.Fatal(err)
		}
		if m.Watcher != fmt.Sprintf("w%d", limit) || m.Code == wire.CodeOK {
			t.Fatalf("Terminated %+v, want a failure for w%d", m, limit)
		}
		return
	}
}

// TestNodeLongIDRefused: a watch whose ids are longer than the protocol
// allows breaks the protocol: the node closes the connection.
func TestNodeLongIDRefused(t *testing.T) {
	a := startNode(t, remote.Config{Cookie: hostileCookie})
	h, err := dialAs(t, a.node.Addr(), "127.0.0.1:1")
	if err != nil {
		t.Fatal(err)
	}
	// Written by hand: the Encoder refuses to write it.
	h.sendRaw(wire.FrameWatch, "target", strings.Repeat("w", 1<<20))
	expectProtocolError(t, a, h)
}

// expectProtocolError waits for the node to close h's connection for a
// protocol error, which it logs (not for h's silence: h sends no
// heartbeats, but the wait ends well before a heartbeat timeout).
func expectProtocolError(t *testing.T, a *testNode, h *hostile) {
	t.Helper()
	start := time.Now()
	expectClosed(t, h.conn)
	if d := time.Since(start); d >= remote.DefaultHeartbeatTimeout {
		t.Fatalf("closed after %v: a heartbeat timeout, not a protocol error", d)
	}
	// The session logs its end once the connection is closed.
	for !strings.Contains(a.logs.String(), "too long") {
		if time.Since(start) > testkit.WaitLimit {
			t.Fatalf("the node did not log why:\n%.2000s", a.logs)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestNodeLongTypeNameRefused: a Message naming a type longer than the
// protocol allows breaks the protocol: the connection is closed, and
// nothing the node logs of it is longer than the bound on logged strings.
func TestNodeLongTypeNameRefused(t *testing.T) {
	sysLogs := new(testkit.LogBuffer)
	a := startNodeOn(t, actor.NewSystem(actor.WithLogger(sysLogs.Logger())), remote.Config{Cookie: hostileCookie})
	h, err := dialAs(t, a.node.Addr(), "127.0.0.1:1")
	if err != nil {
		t.Fatal(err)
	}
	h.sendRaw(wire.FrameMessage, "nobody", "", 0, strings.Repeat("T", 3<<20), nil)
	expectProtocolError(t, a, h)
	if n := len(a.logs.String()) + len(sysLogs.String()); n > 64<<10 {
		t.Errorf("the node and the System logged %d bytes for one frame", n)
	}
}

// TestNodeClaimsDoNotMultiplyPeers: a peer entry made by an inbound
// connection, with nothing queued for it, goes away with its connection:
// claiming a new address on every connection leaves nothing behind.
func TestNodeClaimsDoNotMultiplyPeers(t *testing.T) {
	a := startNode(t, remote.Config{Cookie: hostileCookie})
	for i := range 20 {
		h, err := dialAs(t, a.node.Addr(), fmt.Sprintf("127.0.0.1:%d", 1+i))
		if err != nil {
			t.Fatal(err)
		}
		h.conn.Close()
	}
	deadline := time.Now().Add(testkit.WaitLimit)
	for len(a.node.Stats()) > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%d peers left by closed inbound connections", len(a.node.Stats()))
		}
		time.Sleep(time.Millisecond)
	}
}

// TestNodeClaimedAddressSanitised: an address that is not valid UTF-8
// never reaches a log or a label as it came.
func TestNodeClaimedAddressSanitised(t *testing.T) {
	a := startNode(t, remote.Config{Cookie: hostileCookie})
	spawn(t, a.sys, "target", echoActor)
	h, err := dialAs(t, a.node.Addr(), "\xff\xfe:1")
	if err != nil {
		// Refusing such an address outright is fine too.
		return
	}
	h.send(func(e *wire.Encoder) error {
		return e.AppendWatch(&wire.Watch{Target: "target", Watcher: "w"})
	})
	deadline := time.Now().Add(testkit.WaitLimit)
	for len(a.node.Stats()) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("no peer")
		}
		time.Sleep(time.Millisecond)
	}
	for _, s := range a.node.Stats() {
		if !utf8.ValidString(s.Addr) {
			t.Errorf("peer address %q is not valid UTF-8", s.Addr)
		}
	}
	if bytes.Contains([]byte(a.logs.String()), []byte("\xff")) {
		t.Errorf("the log holds the raw bytes")
	}
}

// ctxT is a context bounded by testkit.WaitLimit, cancelled when the test ends.
func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), testkit.WaitLimit)
	t.Cleanup(cancel)
	return ctx
}

// TestNodeHandshakeBudget: connections that never finish their handshake
// hold at most MaxHandshakes slots; one more is closed at once and
// counted, and an established peer is served throughout.
func TestNodeHandshakeBudget(t *testing.T) {
	a := startNode(t, remote.Config{Cookie: hostileCookie, MaxHandshakes: 2, HandshakeTimeout: time.Minute})
	spawn(t, a.sys, "echo", echoActor)
	b := startNode(t, remote.Config{Cookie: hostileCookie})
	stillServes(t, b, a)
	for range 2 {
		testkit.Dial(t, a.node.Addr()) // silent: holds a handshake slot for a minute
	}
	// The slots are taken once the server hands the connections over:
	// until the count shows it, a third may still get one.
	deadline := time.Now().Add(testkit.WaitLimit)
	for {
		conn := testkit.Dial(t, a.node.Addr())
		// Not closed within a second: it got a slot, and the next cannot.
		conn.SetReadDeadline(time.Now().Add(time.Second))
		if _, err := conn.Read(make([]byte, 1)); err == io.EOF && a.node.HandshakeFailures()["busy"] > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no connection closed for want of a slot: %v", a.node.HandshakeFailures())
		}
	}
	stillServes(t, b, a)
}

// TestNodeExpose: Config.Expose decides what peers may do to local
// actors; what it refuses is counted, and a refused request fails with
// ErrNotExposed.
func TestNodeExpose(t *testing.T) {
	b := startNode(t, remote.Config{Expose: func(id string, a remote.Access) bool {
		return id != "hidden" && remote.NoRemoteStop(id, a)
	}})
	spawn(t, b.sys, "echo", echoActor)
	spawn(t, b.sys, "hidden", echoActor)
	a := startNode(t, remote.Config{})
	stillServes(t, a, b)

	if err := a.sys.Stop(b.pid("echo")); err != nil {
		t.Fatal(err)
	}
	_, err := a.sys.Request(ctxT(t), b.pid("hidden"), Ping{1})
	if err == nil || !strings.Contains(err.Error(), remote.ErrNotExposed.Error()) {
		t.Fatalf("request to a hidden actor: %v", err)
	}
	w := actortest.NewProbe(t, a.sys)
	w.Watch(b.pid("hidden"))
	if m := w.ExpectTerminated(b.pid("hidden")); m.Reason == nil || !strings.Contains(m.Reason.Error(), remote.ErrNotExposed.Error()) {
		t.Fatalf("refused watch: %+v", m)
	}
	// The stop came first on the connection: had it passed, echo would be gone.
	stillServes(t, a, b)
	if s := statsOf(b, a.node.Addr()); s.AccessRefused != 3 {
		t.Errorf("refusals counted: %+v", s)
	}
}

// TestNodeAllowDial: a node dials only the addresses AllowDial accepts; a
// PID naming another, in a payload or not, fails the send.
func TestNodeAllowDial(t *testing.T) {
	b := startNode(t, remote.Config{})
	spawn(t, b.sys, "echo", echoActor)
	a := startNode(t, remote.Config{AllowDial: func(addr string) bool { return addr == b.node.Addr() }})
	stillServes(t, a, b)
	err := a.sys.Send(actor.PID{Address: "127.0.0.1:9", ID: "elsewhere"}, Ping{1})
	if !errors.Is(err, remote.ErrDialNotAllowed) {
		t.Fatalf("send to an address not allowed: %v", err)
	}
	if s := statsOf(a, "127.0.0.1:9"); s.Sent != 0 {
		t.Errorf("a peer was made for it: %+v", s)
	}
}

// TestNodeMaxPeers: a node knows at most MaxPeers other nodes: a send to
// one more fails, and so does a connection claiming one more.
func TestNodeMaxPeers(t *testing.T) {
	a := startNode(t, remote.Config{Cookie: hostileCookie, MaxPeers: 1})
	b := startNode(t, remote.Config{Cookie: hostileCookie})
	spawn(t, b.sys, "echo", echoActor)
	stillServes(t, a, b)
	if err := a.sys.Send(actor.PID{Address: "127.0.0.1:9", ID: "x"}, Ping{1}); !errors.Is(err, remote.ErrTooManyPeers) {
		t.Fatalf("send to a second peer: %v", err)
	}
	_, err := dialAs(t, a.node.Addr(), "127.0.0.1:9")
	var refused *wire.RefusedError
	if !errors.As(err, &refused) || refused.Code != wire.CodeRefused {
		t.Fatalf("a second peer's connection: %v", err)
	}
	stillServes(t, a, b)
}

// TestNodeVerifyPeerAddress: with mutual TLS and VerifyPeerAddress, a
// certificate binds its holder to the hosts it names: a member of the CA
// that claims an address on another host is refused, even where no
// session with that address is live.
func TestNodeVerifyPeerAddress(t *testing.T) {
	cert := testkit.NewCert(t) // for localhost and 127.0.0.1
	cfg := remote.Config{TLS: tlsConfig(cert, cert.Pool, true), VerifyPeerAddress: true}
	a, b := startNode(t, cfg), startNode(t, cfg)
	spawn(t, b.sys, "echo", echoActor)
	spawn(t, a.sys, "echo", echoActor)
	stillServes(t, a, b)
	stillServes(t, b, a)

	client := tlsConfig(cert, cert.Pool, true)
	conn, err := tls.Dial("tcp", a.node.Addr(), client)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(testkit.WaitLimit))
	_, err = wire.Dial(conn, wire.HandshakeConfig{Addr: "10.1.2.3:7001", Incarnation: wire.Incarnation{1}})
	var refused *wire.RefusedError
	if !errors.As(err, &refused) || refused.Code != wire.CodeUnconfirmed {
		t.Fatalf("a claim the certificate does not cover: %v", err)
	}
	if _, err := remote.StartWith(actor.NewSystem(), remote.Config{VerifyPeerAddress: true}, nil, nil); !errors.Is(err, remote.ErrInvalidConfig) {
		t.Errorf("VerifyPeerAddress without mutual TLS: %v", err)
	}
}

// TestNodeImpostorGetsNothingQueued: a claim of the address of a node that
// is down, for which messages wait, is refused unless the node there
// confirms it: what was meant for a node never goes to a stranger.
func TestNodeImpostorGetsNothingQueued(t *testing.T) {
	a := startNode(t, remote.Config{Cookie: hostileCookie})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	down := ln.Addr().String()
	ln.Close() // nothing listens there: a's dials fail, the message waits
	if err := a.sys.Send(actor.PID{Address: down, ID: "x"}, Ping{1}); err != nil {
		t.Fatal(err)
	}
	h, err := dialAs(t, a.node.Addr(), down)
	var refused *wire.RefusedError
	// (While a's own dial is under way and a has the lower address, the
	// rule of simultaneous connects refuses it first, as a duplicate.)
	if !errors.As(err, &refused) || (refused.Code != wire.CodeUnconfirmed && refused.Code != wire.CodeDuplicate) {
		h.conn.SetReadDeadline(time.Now().Add(time.Second))
		f, _ := h.r.ReadFrame()
		t.Fatalf("a claim of %s, with a message waiting: %v (first frame %s)", down, err, f.Type)
	}
}
