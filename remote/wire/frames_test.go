package wire_test

import (
	"bytes"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"

	"github.com/troupe-go/troupe/remote/wire"
	"github.com/vmihailenco/msgpack/v5"
)

// decodeAny decodes f into a fresh value of the body type that goes with
// its frame type, with the typed decoders.
func decodeAny(d *wire.Decoder, f wire.Frame) (any, error) {
	switch f.Type {
	case wire.FrameHello:
		var v wire.Hello
		return &v, d.DecodeHello(f, &v)
	case wire.FrameChallenge:
		var v wire.Challenge
		return &v, d.DecodeChallenge(f, &v)
	case wire.FrameProof:
		var v wire.Proof
		return &v, d.DecodeProof(f, &v)
	case wire.FrameAccept:
		var v wire.Accepted
		return &v, d.DecodeAccept(f, &v)
	case wire.FrameRefuse:
		var v wire.Refuse
		return &v, d.DecodeRefuse(f, &v)
	case wire.FrameMessage:
		var v wire.Message
		return &v, d.DecodeMessage(f, &v)
	case wire.FrameReply:
		var v wire.Reply
		return &v, d.DecodeReply(f, &v)
	case wire.FrameWatch, wire.FrameUnwatch:
		var v wire.Watch
		return &v, d.DecodeWatch(f, &v)
	case wire.FrameTerminated:
		var v wire.Terminated
		return &v, d.DecodeTerminated(f, &v)
	case wire.FrameStop:
		var v wire.Stop
		return &v, d.DecodeStop(f, &v)
	case wire.FrameSpawn:
		var v wire.Spawn
		return &v, d.DecodeSpawn(f, &v)
	case wire.FrameSpawned:
		var v wire.Spawned
		return &v, d.DecodeSpawned(f, &v)
	case wire.FrameHeartbeat:
		return nil, d.DecodeHeartbeat(f)
	case wire.FrameClose:
		var v wire.Close
		return &v, d.DecodeClose(f, &v)
	case wire.FrameAck:
		var v wire.Ack
		return &v, d.DecodeAck(f, &v)
	}
	return nil, errors.New("no decoder")
}

func mustMarshal(t testing.TB, v any) msgpack.RawMessage {
	t.Helper()
	b, err := msgpack.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestRoundTrip(t *testing.T) {
	long := strings.Repeat("x", wire.MaxIDLen) // a str8; nothing else is longer
	cases := []struct {
		t      wire.FrameType
		append func(e *wire.Encoder) error
		want   any
	}{
		{wire.FrameHello, func(e *wire.Encoder) error {
			return e.AppendHello(&wire.Hello{Addr: addrI, Incarnation: incI, Nonce: nonceI})
		}, &wire.Hello{Addr: addrI, Incarnation: incI, Nonce: nonceI}},
		{wire.FrameHello, func(e *wire.Encoder) error {
			return e.AppendHello(&wire.Hello{Addr: "[::1]:7001", Incarnation: incI, Nonce: nonceI})
		}, &wire.Hello{Addr: "[::1]:7001", Incarnation: incI, Nonce: nonceI}},
		{wire.FrameHello, func(e *wire.Encoder) error {
			return e.AppendHello(&wire.Hello{Addr: addrI, Incarnation: incI, Nonce: nonceI, Confirm: nonceA})
		}, &wire.Hello{Addr: addrI, Incarnation: incI, Nonce: nonceI, Confirm: nonceA}},
		{wire.FrameChallenge, func(e *wire.Encoder) error {
			return e.AppendChallenge(&wire.Challenge{Addr: addrA, Incarnation: incA, Nonce: nonceA})
		}, &wire.Challenge{Addr: addrA, Incarnation: incA, Nonce: nonceA}},
		{wire.FrameProof, func(e *wire.Encoder) error {
			return e.AppendProof(&wire.Proof{Proof: wire.Digest(seq(7, 32))})
		}, &wire.Proof{Proof: wire.Digest(seq(7, 32))}},
		{wire.FrameAccept, func(e *wire.Encoder) error {
			return e.AppendAccept(&wire.Accepted{Proof: wire.Digest(seq(9, 32))})
		}, &wire.Accepted{Proof: wire.Digest(seq(9, 32))}},
		{wire.FrameAccept, func(e *wire.Encoder) error {
			return e.AppendAccept(&wire.Accepted{Proof: wire.Digest(seq(9, 32)), Confirmed: true})
		}, &wire.Accepted{Proof: wire.Digest(seq(9, 32)), Confirmed: true}},
		{wire.FrameRefuse, func(e *wire.Encoder) error {
			return e.AppendRefuse(&wire.Refuse{Code: wire.CodeDuplicate, Reason: "already connected"})
		}, &wire.Refuse{Code: wire.CodeDuplicate, Reason: "already connected"}},
		{wire.FrameMessage, func(e *wire.Encoder) error {
			return e.AppendMessage(&wire.Message{Target: "t", Sender: "s", RequestID: 1 << 40, Type: "main.Ping"}, Ping{N: 3})
		}, &wire.Message{Target: "t", Sender: "s", RequestID: 1 << 40, Type: "main.Ping", Payload: mustMarshal(t, Ping{N: 3})}},
		{wire.FrameMessage, func(e *wire.Encoder) error {
			return e.AppendMessage(&wire.Message{Target: long, Type: "raw"}, msgpack.RawMessage{0x93, 1, 2, 3})
		}, &wire.Message{Target: long, Type: "raw", Payload: msgpack.RawMessage{0x93, 1, 2, 3}}},
		{wire.FrameMessage, func(e *wire.Encoder) error {
			return e.AppendMessage(&wire.Message{Target: "t", Type: "nil"}, nil)
		}, &wire.Message{Target: "t", Type: "nil", Payload: msgpack.RawMessage{0xc0}}},
		{wire.FrameReply, func(e *wire.Encoder) error {
			return e.AppendReply(&wire.Reply{RequestID: 300, Type: "main.Pong"}, Pong{N: 9})
		}, &wire.Reply{RequestID: 300, Type: "main.Pong", Payload: mustMarshal(t, Pong{N: 9})}},
		{wire.FrameReply, func(e *wire.Encoder) error {
			return e.AppendReply(&wire.Reply{RequestID: 1}, nil)
		}, &wire.Reply{RequestID: 1, Payload: msgpack.RawMessage{0xc0}}},
		{wire.FrameReply, func(e *wire.Encoder) error {
			return e.AppendReply(&wire.Reply{RequestID: 2, Code: wire.CodeTimeout, Error: "too slow"}, nil)
		}, &wire.Reply{RequestID: 2, Code: wire.CodeTimeout, Payload: msgpack.RawMessage{0xc0}, Error: "too slow"}},
		{wire.FrameWatch, func(e *wire.Encoder) error {
			return e.AppendWatch(&wire.Watch{Target: "a", Watcher: "b"})
		}, &wire.Watch{Target: "a", Watcher: "b"}},
		{wire.FrameUnwatch, func(e *wire.Encoder) error {
			return e.AppendUnwatch(&wire.Watch{Target: "a", Watcher: "b"})
		}, &wire.Watch{Target: "a", Watcher: "b"}},
		{wire.FrameTerminated, func(e *wire.Encoder) error {
			return e.AppendTerminated(&wire.Terminated{Actor: "a", Watcher: "w", Code: wire.CodePanic, Reason: "boom"})
		}, &wire.Terminated{Actor: "a", Watcher: "w", Code: wire.CodePanic, Reason: "boom"}},
		{wire.FrameStop, func(e *wire.Encoder) error {
			return e.AppendStop(&wire.Stop{Target: "a", Mode: wire.ModePoison})
		}, &wire.Stop{Target: "a", Mode: wire.ModePoison}},
		{wire.FrameSpawn, func(e *wire.Encoder) error {
			return e.AppendSpawn(&wire.Spawn{RequestID: 5, Kind: "worker"})
		}, &wire.Spawn{RequestID: 5, Kind: "worker"}},
		{wire.FrameSpawned, func(e *wire.Encoder) error {
			return e.AppendSpawned(&wire.Spawned{RequestID: 5, Actor: "worker-1"})
		}, &wire.Spawned{RequestID: 5, Actor: "worker-1"}},
		{wire.FrameSpawned, func(e *wire.Encoder) error {
			return e.AppendSpawned(&wire.Spawned{RequestID: 6, Code: wire.CodeUnknownKind, Error: "no kind"})
		}, &wire.Spawned{RequestID: 6, Code: wire.CodeUnknownKind, Error: "no kind"}},
		{wire.FrameHeartbeat, (*wire.Encoder).AppendHeartbeat, nil},
		{wire.FrameClose, func(e *wire.Encoder) error {
			return e.AppendClose(&wire.Close{Reason: "bye"})
		}, &wire.Close{Reason: "bye"}},
		{wire.FrameAck, func(e *wire.Encoder) error {
			return e.AppendAck(&wire.Ack{Count: 0})
		}, &wire.Ack{Count: 0}},
		{wire.FrameAck, func(e *wire.Encoder) error {
			return e.AppendAck(&wire.Ack{Count: 1<<64 - 1})
		}, &wire.Ack{Count: 1<<64 - 1}},
	}

	// All frames into one buffer, then read back in order by one Reader.
	e := wire.NewEncoder(0)
	for _, c := range cases {
		if err := c.append(e); err != nil {
			t.Fatalf("append %s: %v", c.t, err)
		}
	}
	if e.Frames() != len(cases) {
		t.Errorf("Frames = %d, want %d", e.Frames(), len(cases))
	}
	r := wire.NewReader(bytes.NewReader(e.Bytes()), 0)
	for _, c := range cases {
		f, err := r.ReadFrame()
		if err != nil {
			t.Fatalf("read %s: %v", c.t, err)
		}
		if f.Type != c.t {
			t.Fatalf("read %s, want %s", f.Type, c.t)
		}
		got, err := decodeAny(&r.Decoder, f)
		if err != nil {
			t.Fatalf("decode %s: %v", c.t, err)
		}
		if !reflect.DeepEqual(got, c.want) && !(got == nil && c.want == nil) {
			t.Errorf("%s: got %+v, want %+v", c.t, got, c.want)
		}
	}
	if _, err := r.ReadFrame(); err != io.EOF {
		t.Errorf("after the last frame: %v, want io.EOF", err)
	}
}

// TestDecodeWrongType checks that each typed decoder refuses frames of
// another type.
func TestDecodeWrongType(t *testing.T) {
	e := wire.NewEncoder(0)
	if err := e.AppendHeartbeat(); err != nil {
		t.Fatal(err)
	}
	r, f, err := readOne(e.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	for _, typ := range []wire.FrameType{wire.FrameMessage, wire.FrameReply, wire.FrameHello, wire.FrameClose, wire.FrameWatch} {
		f.Type = typ
		if _, err := decodeAny(&r.Decoder, f); err == nil {
			t.Errorf("%s decoder accepted a Heartbeat body", typ)
		}
	}
	f.Type = wire.FrameHeartbeat
	var m wire.Message
	if err := r.DecodeMessage(f, &m); !errors.Is(err, wire.ErrUnexpectedFrame) {
		t.Errorf("DecodeMessage(Heartbeat) = %v, want ErrUnexpectedFrame", err)
	}
}

func TestFrameTypeAndCodeNames(t *testing.T) {
	if s := wire.FrameMessage.String(); s != "Message" {
		t.Errorf("FrameMessage = %q", s)
	}
	if s := wire.FrameType(99).String(); s != "FrameType(99)" {
		t.Errorf("FrameType(99) = %q", s)
	}
	if wire.FrameType(6).Known() || !wire.FrameClose.Known() || !wire.FrameRefuse.Handshake() || wire.FrameMessage.Handshake() {
		t.Error("Known or Handshake is wrong")
	}
	if s := wire.CodeVersionMismatch.String(); s != "version mismatch" {
		t.Errorf("CodeVersionMismatch = %q", s)
	}
	if s := wire.Code(1000).String(); s != "code(1000)" {
		t.Errorf("Code(1000) = %q", s)
	}
	for c := wire.Code(0); c <= 40; c++ {
		if s := c.String(); s == "" {
			t.Errorf("code %d has an empty name", c)
		}
	}
}

func TestRefusedError(t *testing.T) {
	err := error(&wire.RefusedError{Code: wire.CodeBadProof})
	if !errors.Is(err, wire.ErrRefused) || !errors.Is(err, wire.ErrBadProof) || errors.Is(err, wire.ErrVersion) {
		t.Errorf("errors.Is is wrong for %v", err)
	}
	err = &wire.RefusedError{Code: wire.CodeVersionMismatch, Reason: "2"}
	if !errors.Is(err, wire.ErrVersion) || err.Error() != "wire: refused by peer: version mismatch (peer supports version 2)" {
		t.Errorf("version refusal: %v", err)
	}
	err = &wire.RefusedError{Code: wire.CodeDuplicate, Reason: "already connected"}
	if err.Error() != "wire: refused by peer: duplicate: already connected" {
		t.Errorf("duplicate refusal: %v", err)
	}
}

// TestEncoderCutsTexts: a reason or error text longer than MaxTextLen is
// cut, at a character's start, rather than refused: the frame it explains
// still goes out.
func TestEncoderCutsTexts(t *testing.T) {
	long := strings.Repeat("é", wire.MaxTextLen) // 2 bytes each: the cut falls inside one
	e := wire.NewEncoder(0)
	if err := e.AppendTerminated(&wire.Terminated{Actor: "a", Watcher: "w", Code: wire.CodeFailed, Reason: long}); err != nil {
		t.Fatal(err)
	}
	if err := e.AppendReply(&wire.Reply{RequestID: 1, Code: wire.CodeFailed, Error: long}, nil); err != nil {
		t.Fatal(err)
	}
	if err := e.AppendSpawned(&wire.Spawned{RequestID: 1, Code: wire.CodeFailed, Error: long}); err != nil {
		t.Fatal(err)
	}
	if err := e.AppendClose(&wire.Close{Reason: long}); err != nil {
		t.Fatal(err)
	}
	r := wire.NewReader(bytes.NewReader(e.Bytes()), 0)
	var texts []string
	for {
		f, err := r.ReadFrame()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		v, err := decodeAny(&r.Decoder, f)
		if err != nil {
			t.Fatalf("%s: %v", f.Type, err)
		}
		switch v := v.(type) {
		case *wire.Terminated:
			texts = append(texts, v.Reason)
		case *wire.Reply:
			texts = append(texts, v.Error)
		case *wire.Spawned:
			texts = append(texts, v.Error)
		case *wire.Close:
			texts = append(texts, v.Reason)
		}
	}
	if len(texts) != 4 {
		t.Fatalf("%d texts", len(texts))
	}
	for _, s := range texts {
		if len(s) != wire.MaxTextLen || !strings.HasPrefix(long, s) {
			t.Errorf("text of %d bytes, want the first %d of the original", len(s), wire.MaxTextLen)
		}
	}
}
