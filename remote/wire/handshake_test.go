package wire_test

import (
	"bytes"
	"errors"
	"io"
	"net"
	"os"
	"testing"
	"testing/synctest"
	"time"

	"github.com/troupe-go/troupe/remote/wire"
)

func TestHandshake(t *testing.T) {
	ci, ca := vectorConfigs()
	var decided wire.Peer
	dial, accept, _, _ := runHandshake(t, ci, ca, func(p wire.Peer) error {
		decided = p
		return nil
	})
	if dial.err != nil || accept.err != nil {
		t.Fatalf("dial %v, accept %v", dial.err, accept.err)
	}
	if want := (wire.Peer{Addr: addrA, Incarnation: incA, Nonce: nonceA}); dial.peer != want {
		t.Errorf("Dial's peer %+v, want %+v", dial.peer, want)
	}
	want := wire.Peer{Addr: addrI, Incarnation: incI, Nonce: nonceI}
	if accept.peer != want || decided != want {
		t.Errorf("Accept's peer %+v, decide saw %+v, want %+v", accept.peer, decided, want)
	}
}

// TestHandshakeThenSession checks that Dial reads nothing past Accept: the
// acceptor's first session frame, sent right after, reaches the Reader.
func TestHandshakeThenSession(t *testing.T) {
	a, b := pipe(t)
	ci, ca := vectorConfigs()
	ci.Rand, ca.Rand = nil, nil // crypto/rand
	errc := make(chan error, 1)
	go func() {
		if _, err := wire.Accept(b, ca, nil); err != nil {
			errc <- err
			return
		}
		e := wire.NewEncoder(0)
		e.AppendMessage(&wire.Message{Target: "t", Type: "int"}, 42)
		_, err := e.WriteTo(b)
		errc <- err
	}()
	if _, err := wire.Dial(a, ci); err != nil {
		t.Fatal(err)
	}
	r := wire.NewReader(a, 0)
	f, err := r.ReadFrame()
	if err != nil {
		t.Fatal(err)
	}
	var m wire.Message
	var n int
	if err := r.DecodeMessage(f, &m); err != nil || decodePayload(m.Payload, &n) != nil || n != 42 {
		t.Fatalf("first session frame: %+v, %v", m, err)
	}
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
}

func TestHandshakeCookies(t *testing.T) {
	cases := []struct {
		name         string
		cookieI      []byte
		cookieA      []byte
		ok           bool
		dialErr      error
		acceptRefuse wire.Code
	}{
		{"same", []byte("s3cret"), []byte("s3cret"), true, nil, 0},
		{"both empty", nil, []byte{}, true, nil, 0},
		{"different", []byte("s3cret"), []byte("other"), false, wire.ErrBadProof, wire.CodeBadProof},
		{"one empty", nil, []byte("s3cret"), false, wire.ErrBadProof, wire.CodeBadProof},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ci, ca := vectorConfigs()
			ci.Cookie, ca.Cookie = c.cookieI, c.cookieA
			dial, accept, _, _ := runHandshake(t, ci, ca, nil)
			if c.ok {
				if dial.err != nil || accept.err != nil {
					t.Fatalf("dial %v, accept %v", dial.err, accept.err)
				}
				return
			}
			// The initiator proves itself first, so the acceptor finds the
			// mismatch and refuses; both errors match ErrBadProof.
			if !errors.Is(accept.err, c.dialErr) || errors.Is(accept.err, wire.ErrRefused) {
				t.Errorf("Accept: %v, want %v", accept.err, c.dialErr)
			}
			var refused *wire.RefusedError
			if !errors.As(dial.err, &refused) || refused.Code != c.acceptRefuse || !errors.Is(dial.err, wire.ErrBadProof) {
				t.Errorf("Dial: %v, want a refusal with code %s", dial.err, c.acceptRefuse)
			}
		})
	}
}

// rawPeer drives one side of a handshake by hand over conn.
type rawPeer struct {
	t    *testing.T
	conn net.Conn
	e    *wire.Encoder
	r    *wire.Reader
}

func newRawPeer(t *testing.T, conn net.Conn) *rawPeer {
	return &rawPeer{t: t, conn: conn, e: wire.NewEncoder(0), r: wire.NewReader(conn, 0)}
}

// send writes the frames appended by fn, in a goroutine: over net.Pipe a
// write waits for the reader, who may answer before reading it all.
func (p *rawPeer) send(fn func(e *wire.Encoder) error) {
	p.e.Reset()
	if err := fn(p.e); err != nil {
		p.t.Fatal(err)
	}
	p.write(bytes.Clone(p.e.Bytes()))
}

func (p *rawPeer) write(b []byte) {
	go p.conn.Write(b)
}

// refusal reads the next frame, which must be a Refuse.
func (p *rawPeer) refusal() wire.Refuse {
	p.t.Helper()
	f, err := p.r.ReadFrame()
	if err != nil {
		p.t.Fatalf("reading the refusal: %v", err)
	}
	var r wire.Refuse
	if err := p.r.DecodeRefuse(f, &r); err != nil {
		p.t.Fatalf("%s instead of a Refuse: %v", f.Type, err)
	}
	return r
}

// acceptWith runs Accept on one end of a pipe and returns the raw other end
// and Accept's result channel.
func acceptWith(t *testing.T, decide func(wire.Peer) error) (*rawPeer, chan handshakeResult) {
	a, b := pipe(t)
	_, ca := vectorConfigs()
	done := make(chan handshakeResult, 1)
	go func() {
		p, err := wire.Accept(b, ca, decide)
		b.Close()
		done <- handshakeResult{p, err}
	}()
	return newRawPeer(t, a), done
}

func TestAcceptRefuses(t *testing.T) {
	hello := wire.Hello{Addr: addrI, Incarnation: incI, Nonce: nonceI}
	cases := []struct {
		name   string
		send   func(p *rawPeer)
		want   error
		code   wire.Code
		reason string
	}{
		{"HTTP request", func(p *rawPeer) { p.write([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n")) }, wire.ErrBadMagic, wire.CodeBadMagic, ""},
		{"TLS client hello", func(p *rawPeer) { p.write([]byte{0x16, 0x03, 0x01, 0x02, 0x00, 0x01}) }, wire.ErrBadMagic, wire.CodeBadMagic, ""},
		{"small garbage frame", func(p *rawPeer) { p.write(frameOf(0xc1, 0xc1)) }, wire.ErrBadMagic, wire.CodeBadMagic, ""},
		{"empty frame", func(p *rawPeer) { p.write([]byte{0, 0, 0, 0}) }, wire.ErrBadMagic, wire.CodeBadMagic, ""},
		{"frame over 1 KiB", func(p *rawPeer) { p.write([]byte{0, 0, 4, 1}) }, wire.ErrBadMagic, wire.CodeBadMagic, ""},
		{"unknown frame type", func(p *rawPeer) { p.write(frameOf(0x92, 0x07, 0x90)) }, wire.ErrBadMagic, wire.CodeBadMagic, ""},
		{"bad magic", func(p *rawPeer) {
			p.write(frameBytes(t, 1, "troupf", 1, addrI, inc16, nonce32))
		}, wire.ErrBadMagic, wire.CodeBadMagic, ""},
		{"version 1", func(p *rawPeer) {
			p.send(func(e *wire.Encoder) error { return e.AppendHelloVersion(&hello, 1) })
		}, wire.ErrVersion, wire.CodeVersionMismatch, "3"},
		{"version 2", func(p *rawPeer) {
			// Version 2's Hello: five elements, no confirm field.
			p.write(frameBytes(t, 1, "troupe", 2, addrI, inc16, nonce32))
		}, wire.ErrVersion, wire.CodeVersionMismatch, "3"},
		{"version 4, other fields", func(p *rawPeer) {
			p.write(frameBytes(t, 1, "troupe", 4, map[string]any{"future": true}))
		}, wire.ErrVersion, wire.CodeVersionMismatch, "3"},
		{"heartbeat first", func(p *rawPeer) { p.send((*wire.Encoder).AppendHeartbeat) }, wire.ErrUnexpectedFrame, wire.CodeProtocolError, ""},
		{"message first", func(p *rawPeer) {
			p.send(func(e *wire.Encoder) error { return e.AppendMessage(&wire.Message{Target: "t", Type: "x"}, 1) })
		}, wire.ErrUnexpectedFrame, wire.CodeProtocolError, ""},
		{"refuse first", func(p *rawPeer) {
			p.send(func(e *wire.Encoder) error { return e.AppendRefuse(&wire.Refuse{Code: wire.CodeRefused}) })
		}, wire.ErrUnexpectedFrame, wire.CodeProtocolError, ""},
		{"proof first", func(p *rawPeer) {
			p.send(func(e *wire.Encoder) error { return e.AppendProof(&wire.Proof{}) })
		}, wire.ErrUnexpectedFrame, wire.CodeProtocolError, ""},
		{"hello of 4", func(p *rawPeer) {
			p.write(frameBytes(t, 1, "troupe", 3, addrI, inc16))
		}, wire.ErrMalformed, wire.CodeProtocolError, ""},
		{"hello of 5", func(p *rawPeer) {
			p.write(frameBytes(t, 1, "troupe", 3, addrI, inc16, nonce32))
		}, wire.ErrMalformed, wire.CodeProtocolError, ""},
		{"confirm of 31 bytes", func(p *rawPeer) {
			p.write(frameBytes(t, 1, "troupe", 3, addrI, inc16, nonce32, nonce32[:31]))
		}, wire.ErrMalformed, wire.CodeProtocolError, ""},
		{"address with a control byte", func(p *rawPeer) {
			p.write(frameBytes(t, 1, "troupe", 3, "127.0.0.1:70\n1", inc16, nonce32, []byte{}))
		}, wire.ErrMalformed, wire.CodeProtocolError, ""},
		{"address not UTF-8", func(p *rawPeer) {
			p.write(frameBytes(t, 1, "troupe", 3, "\xff\xfe:1", inc16, nonce32, []byte{}))
		}, wire.ErrMalformed, wire.CodeProtocolError, ""},
		{"forged proof", func(p *rawPeer) {
			p.send(func(e *wire.Encoder) error { return e.AppendHello(&hello) })
			if _, err := p.r.ReadFrame(); err != nil {
				t.Error(err)
			}
			p.send(func(e *wire.Encoder) error { return e.AppendProof(&wire.Proof{Proof: wire.Digest(seq(1, 32))}) })
		}, wire.ErrBadProof, wire.CodeBadProof, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, done := acceptWith(t, nil)
			c.send(p)
			r := p.refusal()
			res := <-done
			if !errors.Is(res.err, c.want) {
				t.Errorf("Accept: %v, want %v", res.err, c.want)
			}
			if r.Code != c.code || (c.reason != "" && r.Reason != c.reason) {
				t.Errorf("refused with %s %q, want %s %q", r.Code, r.Reason, c.code, c.reason)
			}
			if c.code == wire.CodeProtocolError && r.Reason == "" {
				t.Errorf("a protocol error without a reason")
			}
		})
	}
}

func TestDialRefuses(t *testing.T) {
	challenge := func(p *rawPeer, version uint64) (wire.Hello, wire.Challenge) {
		f, err := p.r.ReadFrame()
		if err != nil {
			t.Fatal(err)
		}
		var h wire.Hello
		if err := p.r.DecodeHello(f, &h); err != nil {
			t.Fatal(err)
		}
		c := wire.Challenge{Addr: addrA, Incarnation: incA, Nonce: nonceA}
		if version == wire.Version {
			p.send(func(e *wire.Encoder) error { return e.AppendChallenge(&c) })
		} else {
			p.write(frameBytes(t, 2, "troupe", version, addrA, incA[:], nonceA[:], make([]byte, 32)))
		}
		return h, c
	}
	// accept answers the initiator's Proof with an Accept of a.
	accept := func(p *rawPeer, a wire.Accepted, forge bool) {
		h, c := challenge(p, wire.Version)
		f, err := p.r.ReadFrame()
		if err != nil || f.Type != wire.FrameProof {
			t.Fatalf("%s instead of the Proof: %v", f.Type, err)
		}
		if !forge {
			a.Proof = wire.AcceptorProof([]byte(cookie), &h, &c, &a)
		}
		p.send(func(e *wire.Encoder) error { return e.AppendAccept(&a) })
	}
	cases := []struct {
		name string
		act  func(p *rawPeer)
		want error
		code wire.Code // 0: Dial sends no refusal
	}{
		{"challenge version 1", func(p *rawPeer) { challenge(p, 1) }, wire.ErrVersion, wire.CodeVersionMismatch},
		{"challenge version 2", func(p *rawPeer) { challenge(p, 2) }, wire.ErrVersion, wire.CodeVersionMismatch},
		{"accept with a forged proof", func(p *rawPeer) { accept(p, wire.Accepted{Proof: wire.Digest(seq(1, 32))}, true) }, wire.ErrBadProof, wire.CodeBadProof},
		{"accept confirming what was not asked", func(p *rawPeer) { accept(p, wire.Accepted{Confirmed: true}, false) }, wire.ErrMalformed, wire.CodeProtocolError},
		{"hello back", func(p *rawPeer) {
			p.r.ReadFrame()
			p.send(func(e *wire.Encoder) error {
				return e.AppendHello(&wire.Hello{Addr: addrA, Incarnation: incA, Nonce: nonceA})
			})
		}, wire.ErrUnexpectedFrame, wire.CodeProtocolError},
		{"garbage back", func(p *rawPeer) {
			p.r.ReadFrame()
			p.write([]byte("HTTP/1.1 400 Bad Request\r\n\r\n"))
		}, wire.ErrBadMagic, wire.CodeBadMagic},
		{"refused at once", func(p *rawPeer) {
			p.r.ReadFrame()
			p.send(func(e *wire.Encoder) error {
				return e.AppendRefuse(&wire.Refuse{Code: wire.CodeShuttingDown, Reason: "bye"})
			})
		}, wire.ErrRefused, 0},
		{"malformed refusal", func(p *rawPeer) {
			p.r.ReadFrame()
			p.write(frameBytes(t, 5, 0, "ok?"))
		}, wire.ErrMalformed, wire.CodeProtocolError},
		{"closed after hello", func(p *rawPeer) {
			p.r.ReadFrame()
			p.conn.Close()
		}, io.ErrUnexpectedEOF, 0},
		{"closed inside a frame", func(p *rawPeer) {
			p.r.ReadFrame()
			p.conn.Write([]byte{0, 0, 0, 9, 0x92})
			p.conn.Close()
		}, io.ErrUnexpectedEOF, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a, b := pipe(t)
			ci, _ := vectorConfigs()
			done := make(chan handshakeResult, 1)
			go func() {
				p, err := wire.Dial(a, ci)
				a.Close()
				done <- handshakeResult{p, err}
			}()
			p := newRawPeer(t, b)
			c.act(p)
			if c.code != 0 {
				if r := p.refusal(); r.Code != c.code {
					t.Errorf("refused with %s, want %s", r.Code, c.code)
				}
			}
			if res := <-done; !errors.Is(res.err, c.want) {
				t.Errorf("Dial: %v, want %v", res.err, c.want)
			}
		})
	}
}

func TestAcceptDecide(t *testing.T) {
	cases := []struct {
		name   string
		err    error
		code   wire.Code
		reason string
	}{
		{"duplicate", &wire.RefusedError{Code: wire.CodeDuplicate, Reason: "already connected"}, wire.CodeDuplicate, "already connected"},
		{"shutting down", &wire.RefusedError{Code: wire.CodeShuttingDown}, wire.CodeShuttingDown, ""},
		{"plain error", errors.New("not today"), wire.CodeRefused, "not today"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ci, ca := vectorConfigs()
			dial, accept, _, _ := runHandshake(t, ci, ca, func(wire.Peer) error { return c.err })
			if accept.err != c.err {
				t.Errorf("Accept: %v, want decide's error", accept.err)
			}
			var r *wire.RefusedError
			if !errors.As(dial.err, &r) || r.Code != c.code || r.Reason != c.reason {
				t.Errorf("Dial: %v, want a refusal %s %q", dial.err, c.code, c.reason)
			}
		})
	}
}

func TestHandshakeConfig(t *testing.T) {
	a, b := pipe(t)
	bad := []wire.HandshakeConfig{
		{Incarnation: incI},
		{Addr: "nohost", Incarnation: incI},
		{Addr: addrI},
	}
	for _, cfg := range bad {
		if _, err := wire.Dial(a, cfg); !errors.Is(err, wire.ErrConfig) {
			t.Errorf("Dial(%+v): %v, want ErrConfig", cfg, err)
		}
		if _, err := wire.Accept(b, cfg, nil); !errors.Is(err, wire.ErrConfig) {
			t.Errorf("Accept(%+v): %v, want ErrConfig", cfg, err)
		}
	}
	inc, err := wire.NewIncarnation(nil)
	if err != nil || inc == (wire.Incarnation{}) {
		t.Errorf("NewIncarnation: %x, %v", inc, err)
	}
	// A source that starts with zeroes: the zero incarnation is skipped.
	inc, err = wire.NewIncarnation(bytes.NewReader(append(make([]byte, 16), seq(1, 16)...)))
	if err != nil || inc != wire.Incarnation(seq(1, 16)) {
		t.Errorf("NewIncarnation after zeroes: %x, %v", inc, err)
	}
	if _, err := wire.NewIncarnation(bytes.NewReader(nil)); err == nil {
		t.Error("NewIncarnation from an empty source succeeded")
	}
	ci, _ := vectorConfigs()
	ci.Rand = bytes.NewReader(nil)
	if _, err := wire.Dial(a, ci); err == nil {
		t.Error("Dial without nonces succeeded")
	}
}

// TestHandshakeSilentPeer: a peer that never answers is ended by the
// caller's deadline, in fake time.
func TestHandshakeSilentPeer(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ci, ca := vectorConfigs()
		for _, side := range []string{"dial", "accept"} {
			a, b := net.Pipe()
			// The silent peer reads whatever comes and never writes.
			go io.Copy(io.Discard, b)
			start := time.Now()
			a.SetDeadline(start.Add(5 * time.Second))
			var err error
			if side == "dial" {
				_, err = wire.Dial(a, ci)
			} else {
				_, err = wire.Accept(a, ca, nil)
			}
			if !errors.Is(err, os.ErrDeadlineExceeded) {
				t.Errorf("%s: %v, want a timeout", side, err)
			}
			var ne net.Error
			if !errors.As(err, &ne) || !ne.Timeout() {
				t.Errorf("%s: %v is not a net.Error timeout", side, err)
			}
			if waited := time.Since(start); waited != 5*time.Second {
				t.Errorf("%s: gave up after %v", side, waited)
			}
			a.Close()
			b.Close()
			synctest.Wait()
		}
	})
}
