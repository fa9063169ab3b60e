package remote_test

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/troupe-go/troupe/actor"
	"github.com/troupe-go/troupe/internal/testkit"
	"github.com/troupe-go/troupe/mailbox"
	"github.com/troupe-go/troupe/remote"
	"github.com/troupe-go/troupe/remote/wire"
)

// fakePeer dials tn and completes the handshake as a node at addr would,
// so that the test can write frames of its own.
func fakePeer(t testing.TB, tn *testNode, addr string, cookie []byte) net.Conn {
	t.Helper()
	conn := testkit.Dial(t, tn.node.Addr())
	inc, err := wire.NewIncarnation(nil)
	if err != nil {
		t.Fatal(err)
	}
	conn.SetDeadline(time.Now().Add(testkit.WaitLimit))
	if _, err := wire.Dial(conn, wire.HandshakeConfig{Cookie: cookie, Addr: addr, Incarnation: inc}); err != nil {
		t.Fatalf("handshake: %v", err)
	}
	return conn
}

// frame returns b as one frame: its length, then b.
func frame(b ...byte) []byte {
	return append(binary.BigEndian.AppendUint32(nil, uint32(len(b))), b...)
}

// messageFrame returns the bytes of a Message frame to target whose
// payload is the raw msgpack given.
func messageFrame(target, typ string, payload ...byte) []byte {
	b := []byte{0x92, byte(wire.FrameMessage), 0x95}
	b = append(append(b, 0xa0|byte(len(target))), target...)
	b = append(b, 0xa0, 0x00) // no sender, no request
	b = append(append(b, 0xa0|byte(len(typ))), typ...)
	return frame(append(b, payload...)...)
}

// expectClosed waits for conn to be closed by the node.
func expectClosed(t testing.TB, conn net.Conn) {
	t.Helper()
	conn.SetReadDeadline(time.Now().Add(testkit.WaitLimit))
	if _, err := io.Copy(io.Discard, conn); err != nil && !errors.Is(err, net.ErrClosed) && !strings.Contains(err.Error(), "reset") {
		t.Fatalf("the node did not close the connection: %v", err)
	}
}

// stillServes checks that from reaches to's echo actor.
func stillServes(t testing.TB, from, to *testNode) {
	t.Helper()
	if r, err := from.sys.Request(context.Background(), to.pid("echo"), Ping{N: 9}); err != nil || r != (Pong{N: 9}) {
		t.Fatalf("a good peer is not served: %v, %v", r, err)
	}
}

// waitLog waits for the node's log to contain s.
func waitLog(t testing.TB, tn *testNode, s string) {
	t.Helper()
	deadline := time.Now().Add(testkit.WaitLimit)
	for !strings.Contains(tn.logs.String(), s) {
		if time.Now().After(deadline) {
			t.Fatalf("log has no %q:\n%s", s, tn.logs.String())
		}
		time.Sleep(time.Millisecond)
	}
}

func TestNodeWrongCookie(t *testing.T) {
	b := startNode(t, remote.Config{Cookie: []byte("right")})
	spawn(t, b.sys, "echo", echoActor)
	bad := startNode(t, remote.Config{Cookie: []byte("wrong")})
	_, err := bad.sys.Request(context.Background(), b.pid("echo"), Ping{})
	if !errors.Is(err, remote.ErrNodeDown) || !errors.Is(err, wire.ErrBadProof) {
		t.Fatalf("Request with a wrong cookie = %v, want ErrNodeDown and ErrBadProof", err)
	}
	waitLog(t, b, "bad proof")
	// Both sides count it: the initiator finds the acceptor's proof wrong,
	// the acceptor hears its refusal.
	// (A retry may add more; none may be counted under another reason.)
	for name, n := range map[string]*remote.Node{"initiator": bad.node, "acceptor": b.node} {
		counts := n.HandshakeFailures()
		if counts["bad_proof"] == 0 {
			t.Errorf("the %s counted no bad_proof failure: %v", name, counts)
		}
		for reason, c := range counts {
			if reason != "bad_proof" && c != 0 {
				t.Errorf("the %s counted %d %s failures: %v", name, c, reason, counts)
			}
		}
	}
	good := startNode(t, remote.Config{Cookie: []byte("right")})
	stillServes(t, good, b)
}

// Bytes that are not a troupe handshake, and peers that break the
// protocol after it, are disconnected and logged; the node serves good
// peers afterwards.
func TestNodeBadPeers(t *testing.T) {
	b := startNode(t, remote.Config{MaxFrameSize: 64 << 10})
	spawn(t, b.sys, "echo", echoActor)
	good := startNode(t, remote.Config{})

	t.Run("garbage before the handshake", func(t *testing.T) {
		conn := testkit.Dial(t, b.node.Addr())
		conn.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"))
		expectClosed(t, conn)
		waitLog(t, b, "bad magic")
		stillServes(t, good, b)
	})
	t.Run("frame over MaxFrameSize", func(t *testing.T) {
		conn := fakePeer(t, b, "127.0.0.1:1", nil)
		conn.Write(binary.BigEndian.AppendUint32(nil, 64<<10+1))
		expectClosed(t, conn)
		waitLog(t, b, "frame too large")
		stillServes(t, good, b)
	})
	t.Run("truncated frame", func(t *testing.T) {
		conn := fakePeer(t, b, "127.0.0.1:2", nil)
		full := messageFrame("echo", "test.Ping", 0x80)
		conn.Write(full[:len(full)-3])
		conn.(*net.TCPConn).CloseWrite()
		expectClosed(t, conn)
		waitLog(t, b, "truncated frame")
		stillServes(t, good, b)
	})
	for i, bomb := range []struct {
		name    string
		payload []byte
	}{
		{"map32", []byte{0xdf, 0xff, 0xff, 0xff, 0xff}},
		{"array32", []byte{0xdd, 0xff, 0xff, 0xff, 0xff}},
		{"bin32", []byte{0xc6, 0xff, 0xff, 0xff, 0xff}},
		{"str32", []byte{0xdb, 0xff, 0xff, 0xff, 0xff}},
		{"deep", deepArrays(60_000)},
	} {
		t.Run("msgpack bomb "+bomb.name, func(t *testing.T) {
			// An address of its own: the previous one's session may still
			// be ending, and only the real node could confirm a claim then.
			conn := fakePeer(t, b, fmt.Sprintf("127.0.0.1:%d", 30+i), nil)
			conn.Write(messageFrame("echo", "test.Ping", bomb.payload...))
			expectClosed(t, conn)
			stillServes(t, good, b)
		})
	}
	waitLog(t, b, "malformed")
	t.Run("unknown frame type", func(t *testing.T) {
		conn := fakePeer(t, b, "127.0.0.1:4", nil)
		conn.Write(frame(0x92, 99, 0x90))
		expectClosed(t, conn)
		waitLog(t, b, "unknown frame type")
		stillServes(t, good, b)
	})
}

// deepArrays returns n nested one-element arrays around a nil.
func deepArrays(n int) []byte {
	b := make([]byte, n+1)
	for i := range n {
		b[i] = 0x91
	}
	b[n] = 0xc0
	return b
}

// A peer that stops reading: the outbound queue fills and stays bounded,
// TrySend gets mailbox.ErrFull at once, and the stuck write ends the
// connection after the heartbeat timeout, although the peer still sends
// heartbeats.
func TestNodeSlowReader(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	a := startNode(t, remote.Config{OutboundQueue: 64, HeartbeatInterval: 50 * time.Millisecond, HeartbeatTimeout: 400 * time.Millisecond})
	accepted := make(chan net.Conn, 1)
	go func() {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		inc, _ := wire.NewIncarnation(nil)
		if _, err := wire.Accept(conn, wire.HandshakeConfig{Addr: ln.Addr().String(), Incarnation: inc}, nil); err != nil {
			conn.Close()
			return
		}
		accepted <- conn
	}()
	slow := actor.PID{Address: ln.Addr().String(), ID: "sink"}
	big := Seq{From: strings.Repeat("x", 4096)}
	if err := a.sys.Send(slow, big); err != nil {
		t.Fatal(err)
	}
	conn := testkit.Recv(t, accepted, "the connection")
	defer conn.Close()
	beats := make(chan struct{})
	defer close(beats)
	go func() { // heartbeats, never a read
		hb := frame(0x92, byte(wire.FrameHeartbeat), 0x90)
		for {
			select {
			case <-beats:
				return
			case <-time.After(20 * time.Millisecond):
				if _, err := conn.Write(hb); err != nil {
					return
				}
			}
		}
	}()
	// Fill the socket buffers, then the queue: a send that waits in vain
	// for room, then a TrySend refused, show the writer stuck.
	deadline := time.Now().Add(testkit.WaitLimit)
	for {
		if time.Now().After(deadline) {
			t.Fatal("the queue never stayed full")
		}
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		err := a.sys.SendContext(ctx, slow, big)
		cancel()
		if errors.Is(err, context.DeadlineExceeded) {
			if err := a.sys.TrySend(slow, big); errors.Is(err, mailbox.ErrFull) {
				break
			}
		} else if err != nil {
			t.Fatal(err)
		}
	}
	// At most the queue and the batch in the writer's hands.
	if s := statsOf(a, slow.Address); s.Queued > 2*64 {
		t.Fatalf("queued %d: unbounded", s.Queued)
	}
	waitLog(t, a, "a write stuck")
}
