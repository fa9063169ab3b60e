package wire_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/troupe-go/troupe/remote/wire"
	"github.com/vmihailenco/msgpack/v5"
)

// raw is an msgpack value written out byte by byte, for fields whose exact
// format matters.
type raw = msgpack.RawMessage

// frameBytes encodes [t, body...] as a whole frame, prefix included.
func frameBytes(t testing.TB, typ any, body ...any) []byte {
	t.Helper()
	if body == nil {
		body = []any{}
	}
	b, err := msgpack.Marshal([]any{typ, body})
	if err != nil {
		t.Fatal(err)
	}
	return frameOf(b...)
}

var (
	inc16   = incI[:]
	nonce32 = nonceI[:]
	proof32 = seq(0, 32)
	none    = []byte{} // an empty bin: a Hello that asks no confirmation
)

func TestMalformedBodies(t *testing.T) {
	cases := []struct {
		name string
		in   []byte
		want error // nil: any error wrapping ErrMalformed
	}{
		// The frame itself.
		{"frame not an array", frameOf(0x01), nil},
		{"frame of 3 elements", frameOf(0x93, 0x18, 0x90, 0x90), nil},
		{"frame of 1 element", frameOf(0x91, 0x18), nil},
		{"type negative", frameOf(0x92, 0xff, 0x90), nil},
		{"type a string", frameOf(0x92, 0xa1, 'x', 0x90), nil},
		{"type over 255", frameOf(0x92, 0xcd, 0x01, 0x18, 0x90), nil},
		{"unknown type 6", frameOf(0x92, 0x06, 0x90), wire.ErrUnknownFrame},
		{"unknown type 99", frameOf(0x92, 0x63, 0x90), wire.ErrUnknownFrame},
		{"body a map", frameOf(0x92, 0x18, 0x80), nil},
		{"body nil", frameOf(0x92, 0x18, 0xc0), nil},
		{"trailing data", frameOf(0x92, 0x18, 0x90, 0xc0), nil},
		{"empty frame", frameOf(), wire.ErrEmptyFrame},

		// Message.
		{"message of 4", frameBytes(t, 16, "t", "", 0, "x"), nil},
		{"message of 6", frameBytes(t, 16, "t", "", 0, "x", nil, nil), nil},
		{"message target int", frameBytes(t, 16, 1, "", 0, "x", nil), nil},
		{"message target nil", frameBytes(t, 16, nil, "", 0, "x", nil), nil},
		{"message target bin", frameBytes(t, 16, []byte("t"), "", 0, "x", nil), nil},
		{"message target empty", frameBytes(t, 16, "", "", 0, "x", nil), nil},
		{"message type empty", frameBytes(t, 16, "t", "", 0, "", nil), nil},
		{"message sender nil", frameBytes(t, 16, "t", nil, 0, "x", nil), nil},
		{"message request id negative", frameBytes(t, 16, "t", "", -1, "x", nil), nil},
		{"message request id int64 negative", frameBytes(t, 16, "t", "", raw{0xd3, 0xff, 0, 0, 0, 0, 0, 0, 0}, "x", nil), nil},
		{"message request id a string", frameBytes(t, 16, "t", "", "1", "x", nil), nil},
		{"message request id a float", frameBytes(t, 16, "t", "", 1.0, "x", nil), nil},
		{"message request id nil", frameBytes(t, 16, "t", "", nil, "x", nil), nil},

		// Reply.
		{"reply of 4", frameBytes(t, 17, 1, 0, "x", nil), nil},
		{"reply request id 0", frameBytes(t, 17, 0, 0, "x", 1, ""), nil},
		{"reply error with type", frameBytes(t, 17, 1, 1, "x", nil, "e"), nil},
		{"reply error with value", frameBytes(t, 17, 1, 1, "", 1, "e"), nil},
		{"reply value without type", frameBytes(t, 17, 1, 0, "", 1, ""), nil},
		{"reply code over 32 bits", frameBytes(t, 17, 1, uint64(1)<<32, "", nil, ""), nil},
		{"reply error text nil", frameBytes(t, 17, 1, 0, "", nil, nil), nil},

		// Watch, Unwatch, Terminated, Stop.
		{"watch of 3", frameBytes(t, 18, "a", "b", "c"), nil},
		{"watch empty watcher", frameBytes(t, 18, "a", ""), nil},
		{"unwatch empty target", frameBytes(t, 19, "", "b"), nil},
		{"terminated empty actor", frameBytes(t, 20, "", "w", 0, ""), nil},
		{"terminated code negative", frameBytes(t, 20, "a", "w", -3, ""), nil},
		{"stop mode 2", frameBytes(t, 21, "a", 2), nil},
		{"stop empty target", frameBytes(t, 21, "", 0), nil},

		// Spawn, Spawned, Heartbeat, Close.
		{"spawn request id 0", frameBytes(t, 22, 0, "k", ""), nil},
		{"spawn empty kind", frameBytes(t, 22, 1, "", ""), nil},
		{"spawned ok without actor", frameBytes(t, 23, 1, "", 0, ""), nil},
		{"spawned error with actor", frameBytes(t, 23, 1, "a", 10, "no kind"), nil},
		{"heartbeat with an element", frameBytes(t, 24, 1), nil},
		{"close of 0", frameBytes(t, 25), nil},
		{"close reason int", frameBytes(t, 25, 3), nil},
		{"ack of 0", frameBytes(t, 26), nil},
		{"ack of 2", frameBytes(t, 26, 1, 2), nil},
		{"ack count negative", frameBytes(t, 26, -1), nil},
		{"ack count a str", frameBytes(t, 26, "7"), nil},

		// Handshake bodies.
		{"hello bad magic", frameBytes(t, 1, "troupf", 1, addrI, inc16, nonce32), wire.ErrBadMagic},
		{"hello magic int", frameBytes(t, 1, 7, 1, addrI, inc16, nonce32), wire.ErrBadMagic},
		{"hello of 1", frameBytes(t, 1, "troupe"), wire.ErrBadMagic},
		{"hello version 1", frameBytes(t, 1, "troupe", 1, addrI, inc16, nonce32), wire.ErrVersion},
		{"hello version 2", frameBytes(t, 1, "troupe", 2, addrI, inc16, nonce32), wire.ErrVersion},
		{"hello version 4 of 3", frameBytes(t, 1, "troupe", 4, "other"), wire.ErrVersion},
		{"hello of 5", frameBytes(t, 1, "troupe", 3, addrI, inc16, nonce32), nil},
		{"hello incarnation of 15", frameBytes(t, 1, "troupe", 3, addrI, inc16[:15], nonce32, none), nil},
		{"hello incarnation a str", frameBytes(t, 1, "troupe", 3, addrI, string(inc16), nonce32, none), nil},
		{"hello zero incarnation", frameBytes(t, 1, "troupe", 3, addrI, make([]byte, 16), nonce32, none), nil},
		{"hello nonce of 33", frameBytes(t, 1, "troupe", 3, addrI, inc16, seq(0, 33), none), nil},
		{"hello confirm of 16", frameBytes(t, 1, "troupe", 3, addrI, inc16, nonce32, inc16), nil},
		{"hello confirm nil", frameBytes(t, 1, "troupe", 3, addrI, inc16, nonce32, nil), nil},
		{"hello address without port", frameBytes(t, 1, "troupe", 3, "127.0.0.1", inc16, nonce32, none), nil},
		{"hello address empty", frameBytes(t, 1, "troupe", 3, "", inc16, nonce32, none), nil},
		{"hello address too long", frameBytes(t, 1, "troupe", 3, strings.Repeat("a", 251)+":7001", inc16, nonce32, none), nil},
		{"hello address with a space", frameBytes(t, 1, "troupe", 3, "127.0.0.1 :7001", inc16, nonce32, none), nil},
		{"challenge of 6", frameBytes(t, 2, "troupe", 3, addrA, inc16, nonce32, proof32), nil},
		{"challenge nonce of 31", frameBytes(t, 2, "troupe", 3, addrA, inc16, nonce32[:31]), nil},
		{"message target too long", frameBytes(t, 16, strings.Repeat("t", wire.MaxIDLen+1), "", 0, "T", nil), nil},
		{"message sender too long", frameBytes(t, 16, "t", strings.Repeat("s", wire.MaxIDLen+1), 0, "T", nil), nil},
		{"message type name too long", frameBytes(t, 16, "t", "", 0, strings.Repeat("T", wire.MaxTypeNameLen+1), nil), nil},
		{"reply type name too long", frameBytes(t, 17, 1, 0, strings.Repeat("T", wire.MaxTypeNameLen+1), 1, ""), nil},
		{"reply error text too long", frameBytes(t, 17, 1, 16, "", nil, strings.Repeat("e", wire.MaxTextLen+1)), nil},
		{"watch watcher too long", frameBytes(t, 18, "t", strings.Repeat("w", wire.MaxIDLen+1)), nil},
		{"unwatch target too long", frameBytes(t, 19, strings.Repeat("t", wire.MaxIDLen+1), "w"), nil},
		{"terminated reason too long", frameBytes(t, 20, "a", "w", 16, strings.Repeat("r", wire.MaxTextLen+1)), nil},
		{"stop target too long", frameBytes(t, 21, strings.Repeat("t", wire.MaxIDLen+1), 0), nil},
		{"spawn kind too long", frameBytes(t, 22, 1, strings.Repeat("k", wire.MaxTypeNameLen+1), ""), nil},
		{"spawned actor too long", frameBytes(t, 23, 1, strings.Repeat("a", wire.MaxIDLen+1), 0, ""), nil},
		{"close reason too long", frameBytes(t, 25, strings.Repeat("r", wire.MaxTextLen+1)), nil},
		{"accept of 1", frameBytes(t, 4, proof32), nil},
		{"accept confirmed 2", frameBytes(t, 4, proof32, 2), nil},
		{"accept proof of 31", frameBytes(t, 4, proof32[:31], 0), nil},
		{"refuse code 0", frameBytes(t, 5, 0, "why"), nil},
		{"refuse of 1", frameBytes(t, 5, 35), nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, f, err := readOne(c.in)
			if err == nil {
				_, err = decodeAny(&r.Decoder, f)
			}
			if err == nil {
				h := allHandlers(nil)
				err = r.Dispatch(f, &h)
				if f.Type.Handshake() && errors.Is(err, wire.ErrUnexpectedFrame) {
					err = errors.New("handshake frame accepted by its decoder")
				}
				t.Fatalf("accepted: %v", err)
			}
			want := c.want
			if want == nil {
				want = wire.ErrMalformed
			}
			if !errors.Is(err, want) {
				t.Fatalf("error %v, want %v", err, want)
			}
		})
	}
}

// TestLenientIntegers checks that receivers take any integer format whose
// value is non-negative, as section 2.1 asks.
func TestLenientIntegers(t *testing.T) {
	formats := []raw{
		{0x05},
		{0xcc, 0x05},
		{0xcd, 0x00, 0x05},
		{0xce, 0, 0, 0, 0x05},
		{0xcf, 0, 0, 0, 0, 0, 0, 0, 0x05},
		{0xd0, 0x05},
		{0xd1, 0x00, 0x05},
		{0xd2, 0, 0, 0, 0x05},
		{0xd3, 0, 0, 0, 0, 0, 0, 0, 0x05},
	}
	for _, id := range formats {
		r, f, err := readOne(frameBytes(t, raw{0xd0, 22}, id, "kind", raw{0xd9, 1, 'n'}))
		if err != nil {
			t.Fatalf("% x: %v", id, err)
		}
		var s wire.Spawn
		if err := r.DecodeSpawn(f, &s); err != nil || s.RequestID != 5 || s.Name != "n" {
			t.Errorf("request id % x: %+v, %v", id, s, err)
		}
	}
}

// allHandlers returns handlers that accept every session frame and count
// the calls in *n (if n is not nil).
func allHandlers(n *int) wire.Handlers {
	count := func() error {
		if n != nil {
			*n++
		}
		return nil
	}
	return wire.Handlers{
		Message:    func(*wire.Message) error { return count() },
		Reply:      func(*wire.Reply) error { return count() },
		Watch:      func(*wire.Watch) error { return count() },
		Unwatch:    func(*wire.Watch) error { return count() },
		Terminated: func(*wire.Terminated) error { return count() },
		Stop:       func(*wire.Stop) error { return count() },
		Spawn:      func(*wire.Spawn) error { return count() },
		Spawned:    func(*wire.Spawned) error { return count() },
		Heartbeat:  func() error { return count() },
		Close:      func(*wire.Close) error { return count() },
		Ack:        func(*wire.Ack) error { return count() },
	}
}
