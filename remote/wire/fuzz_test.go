package wire_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/troupe-go/troupe/remote/wire"
	"github.com/vmihailenco/msgpack/v5"
)

// Fuzz targets. Their seed corpora live in testdata/fuzz/<target>, where
// go test finds them; go test -run TestFuzzSeeds -args -update writes them
// again from fuzzSeeds, and TestFuzzSeeds fails when they are stale.

// fuzzMaxFrame bounds what one input can make a Reader allocate.
const fuzzMaxFrame = 64 << 10

// Registered is a payload type with fields of many kinds, as a node could
// register; payloads are decoded into it as the node would.
type Registered struct {
	N     int
	U     uint8
	F     float64
	S     string
	B     []byte
	L     []string
	M     map[string]int
	P     *Registered
	T     time.Time
	A     [3]int
	Any   any
	Inner struct{ X, Y int }
}

// decodeEveryWay decodes a checked payload into the concrete types a node
// could register, with DecodePayload, and into interface{} with msgpack
// itself: errors are fine, panics and crashes are not.
func decodeEveryWay(t *testing.T, d *wire.Decoder, p []byte) {
	t.Helper()
	targets := []any{new(Registered), new(Ping), new([]string), new(map[string]int), new(string), new(int64), new(any)}
	for _, v := range targets {
		if err := d.DecodePayload(p, v); err != nil && !errors.Is(err, wire.ErrPayload) {
			t.Fatalf("DecodePayload into %T: %v does not wrap ErrPayload", v, err)
		}
	}
	defer func() {
		if r := recover(); r != nil {
			t.Fatalf("msgpack panicked decoding % x into interface{}: %v", p[:min(len(p), 32)], r)
		}
	}()
	var v any
	_ = msgpack.Unmarshal(p, &v)
}

// reencode writes a decoded body again with the Encoder.
func reencode(e *wire.Encoder, typ wire.FrameType, v any) error {
	switch b := v.(type) {
	case *wire.Hello:
		return e.AppendHello(b)
	case *wire.Challenge:
		return e.AppendChallenge(b)
	case *wire.Proof:
		return e.AppendProof(b)
	case *wire.Accepted:
		return e.AppendAccept(b)
	case *wire.Refuse:
		return e.AppendRefuse(b)
	case *wire.Message:
		return e.AppendMessage(b, b.Payload)
	case *wire.Reply:
		if b.Type == "" {
			return e.AppendReply(b, nil)
		}
		return e.AppendReply(b, b.Payload)
	case *wire.Watch:
		if typ == wire.FrameUnwatch {
			return e.AppendUnwatch(b)
		}
		return e.AppendWatch(b)
	case *wire.Terminated:
		return e.AppendTerminated(b)
	case *wire.Stop:
		return e.AppendStop(b)
	case *wire.Spawn:
		return e.AppendSpawn(b)
	case *wire.Spawned:
		return e.AppendSpawned(b)
	case *wire.Close:
		return e.AppendClose(b)
	case *wire.Ack:
		return e.AppendAck(b)
	case nil:
		return e.AppendHeartbeat()
	}
	return fmt.Errorf("no encoder for %T", v)
}

// FuzzReadFrame feeds arbitrary bytes to a Reader and decodes every frame
// it returns. Nothing may panic; every frame it accepts must decode, be
// written again by the Encoder, and read back to the same values; and its
// payloads must decode into concrete types without a crash.
func FuzzReadFrame(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		r := wire.NewReader(bytes.NewReader(data), fuzzMaxFrame)
		e := wire.NewEncoder(fuzzMaxFrame)
		h := allHandlers(nil)
		for {
			fr, err := r.ReadFrame()
			if err != nil {
				return
			}
			body := bytes.Clone(fr.Body)
			v, err := decodeAny(&r.Decoder, fr)
			if err != nil {
				if err := r.Dispatch(fr, &h); err == nil && !fr.Type.Handshake() {
					t.Fatalf("Dispatch accepted a %s body its decoder refused", fr.Type)
				}
				continue
			}
			switch b := v.(type) {
			case *wire.Message:
				decodeEveryWay(t, &r.Decoder, b.Payload)
			case *wire.Reply:
				decodeEveryWay(t, &r.Decoder, b.Payload)
			}
			if err := r.Dispatch(fr, &h); err != nil && !fr.Type.Handshake() {
				t.Fatalf("Dispatch refused a %s body its decoder accepted: %v", fr.Type, err)
			}

			// Round trip: what the decoder accepted, the encoder writes, and
			// reads back equal.
			e.Reset()
			if err := reencode(e, fr.Type, v); err != nil {
				t.Fatalf("re-encoding %s %+v: %v", fr.Type, v, err)
			}
			_, fr2, err := readOne(e.Bytes())
			if err != nil {
				t.Fatalf("reading back %s: %v", fr.Type, err)
			}
			v2, err := decodeAny(wire.NewDecoder(), fr2)
			if err != nil || !reflect.DeepEqual(v, v2) {
				t.Fatalf("%s round trip: %+v became %+v (%v); body % x", fr.Type, v, v2, err, body)
			}
		}
	})
}

// FuzzCheckDecode runs Check over arbitrary bytes. Whatever it accepts must
// be exactly one value by msgpack's own reckoning too, and must decode
// without a crash into interface{} and into concrete types; as a frame, it
// must go through the Reader and the body decoders without a crash.
func FuzzCheckDecode(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		if err := wire.Check(data); err != nil {
			if !errors.Is(err, wire.ErrMalformed) {
				t.Fatalf("Check error %v does not wrap ErrMalformed", err)
			}
			return
		}
		// msgpack agrees: one value, nothing after it.
		src := bytes.NewReader(data)
		dec := msgpack.NewDecoder(src)
		if err := dec.Skip(); err != nil {
			t.Fatalf("Check accepted what msgpack cannot skip: %v", err)
		}
		if src.Len() != 0 {
			t.Fatalf("Check accepted one value, msgpack sees %d more bytes", src.Len())
		}
		decodeEveryWay(t, wire.NewDecoder(), data)

		// As a whole frame.
		frame := binary.BigEndian.AppendUint32(nil, uint32(len(data)))
		r := wire.NewReader(bytes.NewReader(append(frame, data...)), 0)
		fr, err := r.ReadFrame()
		if err != nil {
			return
		}
		v, err := decodeAny(&r.Decoder, fr)
		if err != nil {
			return
		}
		switch b := v.(type) {
		case *wire.Message:
			decodeEveryWay(t, &r.Decoder, b.Payload)
		case *wire.Reply:
			decodeEveryWay(t, &r.Decoder, b.Payload)
		}
	})
}

// peerConn is a connection whose peer's bytes are fixed in advance; what
// the side under test writes is kept.
type peerConn struct {
	in  io.Reader
	out bytes.Buffer
}

func (c *peerConn) Read(p []byte) (int, error)  { return c.in.Read(p) }
func (c *peerConn) Write(p []byte) (int, error) { return c.out.Write(p) }

// wroteFrames reads back the handshake frames a side under test wrote,
// failing the test unless each is well-formed.
func wroteFrames(t *testing.T, out []byte) (types []wire.FrameType, bodies []any) {
	t.Helper()
	r := wire.NewReader(bytes.NewReader(out), wire.MaxHandshakeFrameSize)
	for {
		fr, err := r.ReadFrame()
		if err == io.EOF {
			return types, bodies
		}
		if err != nil {
			t.Fatalf("wrote a bad frame: %v", err)
		}
		v, err := decodeAny(&r.Decoder, fr)
		if err != nil {
			t.Fatalf("wrote a bad %s: %v", fr.Type, err)
		}
		types, bodies = append(types, fr.Type), append(bodies, v)
	}
}

// FuzzHandshake gives Dial (dial true) or Accept the fuzzer's bytes as
// everything the peer says. Nothing may panic; what the side under test
// writes must be well-formed frames of the handshake; it may succeed only
// if the bytes hold the peer's half of a valid handshake.
func FuzzHandshake(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte, dial bool) {
		ci, ca := vectorConfigs()
		conn := &peerConn{in: bytes.NewReader(data)}
		var peer wire.Peer
		var err error
		if dial {
			peer, err = wire.Dial(conn, ci)
		} else {
			peer, err = wire.Accept(conn, ca, nil)
		}

		types, _ := wroteFrames(t, conn.out.Bytes())
		if len(types) == 0 {
			// Only an acceptor whose peer hung up before a whole Hello.
			if dial || !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Fatalf("wrote nothing, then %v", err)
			}
			return
		}
		first, last := types[0], types[len(types)-1]
		if dial && first != wire.FrameHello {
			t.Fatalf("Dial began with %s", first)
		}
		if !dial && first != wire.FrameChallenge && first != wire.FrameRefuse {
			t.Fatalf("Accept began with %s", first)
		}
		if err == nil {
			want, lastWant := wire.Peer{Addr: addrA, Incarnation: incA, Nonce: nonceA}, wire.FrameProof
			if !dial {
				want, lastWant = wire.Peer{Addr: addrI, Incarnation: incI, Nonce: nonceI}, wire.FrameAccept
			}
			// The proofs bind the fixed nonces and the cookie, so a success
			// means the fuzzer kept the peer's identity and proof intact.
			if peer != want || last != lastWant {
				t.Fatalf("succeeded with peer %+v, last frame %s", peer, last)
			}
		} else if !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, wire.ErrRefused) && last != wire.FrameRefuse {
			// A peer that broke the protocol is told why before the end.
			t.Fatalf("failed (%v) without a Refuse; last wrote %s", err, last)
		}
	})
}

// asked is the nonce FuzzConfirm's initiator asks about, and its acceptor
// says it is dialling with.
var asked = wire.Nonce(seq(0x61, 32))

// FuzzConfirm is FuzzHandshake for confirmations: Confirm (dial true) or
// an Accept that answers them gets the fuzzer's bytes as everything the
// peer says. Nothing may panic; what the side under test writes must be
// well-formed frames; a confirmation is answered yes only when both the
// question and the proofs are intact, Accept never asks decide about a
// confirmation, and never starts a session for one.
func FuzzConfirm(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte, dial bool) {
		ci, ca := vectorConfigs()
		ca.Confirmed = func(addr string, n wire.Nonce) bool { return addr == addrI && n == asked }
		conn := &peerConn{in: bytes.NewReader(data)}
		var peer wire.Peer
		var yes, decided bool
		var err error
		if dial {
			peer, yes, err = wire.Confirm(conn, ci, asked)
		} else {
			peer, err = wire.Accept(conn, ca, func(wire.Peer) error { decided = true; return nil })
		}
		types, bodies := wroteFrames(t, conn.out.Bytes())
		var last wire.FrameType
		var accepted wire.Accepted
		for i, v := range bodies {
			if a, ok := v.(*wire.Accepted); ok {
				accepted = *a
			}
			last = types[i]
		}
		switch {
		case dial && err == nil:
			// Success needs the acceptor's proof over our question: the
			// fuzzer kept the spec's acceptor intact.
			if want := (wire.Peer{Addr: addrA, Incarnation: incA, Nonce: nonceA}); peer != want || last != wire.FrameProof {
				t.Fatalf("confirmed by %+v, last frame %s", peer, last)
			}
		case dial && yes:
			t.Fatalf("answered yes with an error: %v", err)
		case !dial && errors.Is(err, wire.ErrConfirmation):
			if decided || last != wire.FrameAccept {
				t.Fatalf("a confirmation decided %v, last frame %s", decided, last)
			}
			if accepted.Confirmed != (peer.Addr == addrI) {
				t.Fatalf("answered %v to %+v", accepted.Confirmed, peer)
			}
		case !dial && err == nil:
			if !decided || accepted.Confirmed || last != wire.FrameAccept {
				t.Fatalf("a session decided %v, confirmed %v, last frame %s", decided, accepted.Confirmed, last)
			}
		}
	})
}

// TestFuzzSeeds checks that the seed corpora in testdata/fuzz hold the
// seeds fuzzSeeds lists, and writes them with -update.
func TestFuzzSeeds(t *testing.T) {
	for target, seeds := range fuzzSeeds(t) {
		dir := filepath.Join("testdata", "fuzz", target)
		for i, s := range seeds {
			file := filepath.Join(dir, fmt.Sprintf("seed-%02d", i))
			text := "go test fuzz v1\n"
			for _, v := range s {
				switch v := v.(type) {
				case []byte:
					text += fmt.Sprintf("[]byte(%q)\n", v)
				default:
					text += fmt.Sprintf("%T(%v)\n", v, v)
				}
			}
			if *update {
				if err := os.MkdirAll(dir, 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(file, []byte(text), 0o644); err != nil {
					t.Fatal(err)
				}
				continue
			}
			got, err := os.ReadFile(file)
			if err != nil || string(got) != text {
				t.Errorf("%s is missing or stale (go test -run TestFuzzSeeds -args -update): %v", file, err)
			}
		}
	}
}
