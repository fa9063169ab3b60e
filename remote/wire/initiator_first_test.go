package wire_test

import (
	"testing"

	"github.com/troupe-go/troupe/remote/wire"
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
