package wire_test

import (
	"bytes"
	"testing"

	"github.com/troupe-go/troupe/remote/wire"
	"github.com/vmihailenco/msgpack/v5"
)

// TestAcceptorRevealsNothingFirst: the acceptor's answer to a Hello holds
// nothing computed from the cookie, so that one Hello gives a peer that
// does not know the cookie nothing to guess it against offline. The same
// Hello, answered with two cookies and the same nonce, gets the same bytes.
func TestAcceptorRevealsNothingFirst(t *testing.T) {
	answer := func(cookie string) wire.Challenge {
		a, b := pipe(t)
		_, ca := vectorConfigs()
		ca.Cookie = []byte(cookie)
		done := make(chan struct{})
		go func() {
			defer close(done)
			wire.Accept(b, ca, nil)
			b.Close()
		}()
		raw := newRawPeer(t, a)
		raw.send(func(e *wire.Encoder) error {
			return e.AppendHello(&wire.Hello{Addr: addrI, Incarnation: incI, Nonce: nonceI})
		})
		f, err := raw.r.ReadFrame()
		if err != nil {
			t.Fatalf("reading the answer to Hello: %v", err)
		}
		if f.Type != wire.FrameChallenge {
			t.Fatalf("%s in answer to Hello", f.Type)
		}
		var c wire.Challenge
		if err := raw.r.DecodeChallenge(f, &c); err != nil {
			t.Fatal(err)
		}
		raw.conn.Close()
		<-done
		return c
	}
	one, other := answer("one cookie"), answer("another cookie")
	if one != other {
		t.Errorf("the Challenge depends on the cookie:\n%+v\n%+v", one, other)
	}
}

// TestHelloEmptyConfirmAnyFormat: an empty confirm may come in any bin
// format, as every bin may (section 2.1).
func TestHelloEmptyConfirmAnyFormat(t *testing.T) {
	for _, empty := range []msgpack.RawMessage{{0xc4, 0}, {0xc5, 0, 0}, {0xc6, 0, 0, 0, 0}} {
		r := wire.NewReader(bytes.NewReader(frameBytes(t, 1, "troupe", 3, addrI, inc16, nonce32, empty)), 0)
		f, err := r.ReadFrame()
		if err != nil {
			t.Fatal(err)
		}
		var h wire.Hello
		if err := r.DecodeHello(f, &h); err != nil || h.Confirm != (wire.Nonce{}) {
			t.Errorf("confirm % x: %+v, %v", empty, h, err)
		}
	}
}
