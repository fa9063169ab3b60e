package wire_test

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/troupe-go/troupe/remote/wire"
)

// The spec's test vectors: the frames are built here, with the Encoder and
// by a real handshake, and compared byte for byte with the hex blocks of
// docs/wire-protocol.md and with testdata/vectors/*.hex, which hold the
// same annotated text. go test -run TestVectors -update rewrites both from
// the code.

var update = flag.Bool("update", false, "rewrite the test vectors in testdata/vectors and docs/wire-protocol.md from the code")

const specPath = "../../docs/wire-protocol.md"

// Payload types of the session vectors, as a Go program would register
// them: "main.Ping" and "main.Pong".
type Ping struct {
	N    int
	Text string
}

type Pong struct {
	N int
}

type vector struct {
	name  string
	frame []byte
}

// handshakeVectors returns the four handshake frames, as Dial and Accept
// write them with the spec's parameters.
func handshakeVectors(t *testing.T) []vector {
	ci, ca := vectorConfigs()
	dial, accept, wroteI, wroteA := runHandshake(t, ci, ca, nil)
	if dial.err != nil || accept.err != nil {
		t.Fatalf("handshake: dial %v, accept %v", dial.err, accept.err)
	}
	fi, fa := splitFrames(t, wroteI), splitFrames(t, wroteA)
	if len(fi) != 2 || len(fa) != 2 {
		t.Fatalf("initiator wrote %d frames, acceptor %d; want 2 each", len(fi), len(fa))
	}
	return []vector{{"hello", fi[0]}, {"challenge", fa[0]}, {"proof", fi[1]}, {"accept", fa[1]}}
}

// proofInputVector is the input of the initiator's HMAC in the handshake
// vectors, as section 3.3 lays it out.
func proofInputVector() []byte {
	var in []byte
	in = append(in, "troupe/3 initiator"...)
	in = append(in, 0)
	in = append(append(in, nonceI[:]...), nonceA[:]...)
	in = append(append(in, incI[:]...), incA[:]...)
	in = append(binary.BigEndian.AppendUint16(in, uint16(len(addrI))), addrI...)
	in = append(binary.BigEndian.AppendUint16(in, uint16(len(addrA))), addrA...)
	return append(in, 0) // no confirmation
}

// confirmVectors returns the Hello and the Accept of a confirmation with
// the spec's parameters, in which the initiator asks about the nonce
// 61 62 ... 80, and the acceptor, dialling it with that nonce, says yes.
func confirmVectors(t *testing.T) []vector {
	ci, ca := vectorConfigs()
	asked := wire.Nonce(seq(0x61, 32))
	ca.Confirmed = func(addr string, n wire.Nonce) bool { return addr == addrI && n == asked }
	a, b := pipe(t)
	ri, ra := &recorder{Conn: a}, &recorder{Conn: b}
	done := make(chan error, 1)
	go func() {
		_, err := wire.Accept(ra, ca, func(wire.Peer) error { return errors.New("decide asked about a confirmation") })
		done <- err
	}()
	_, yes, err := wire.Confirm(ri, ci, asked)
	if err != nil || !yes {
		t.Fatalf("Confirm = %v, %v", yes, err)
	}
	if err := <-done; !errors.Is(err, wire.ErrConfirmation) {
		t.Fatalf("Accept of a confirmation = %v", err)
	}
	fi, fa := splitFrames(t, ri.written()), splitFrames(t, ra.written())
	if len(fi) != 2 || len(fa) != 2 {
		t.Fatalf("initiator wrote %d frames, acceptor %d; want 2 each", len(fi), len(fa))
	}
	return []vector{{"hello-confirm", fi[0]}, {"accept-confirmed", fa[1]}}
}

func sessionVectors(t *testing.T) []vector {
	e := wire.NewEncoder(0)
	var out []vector
	add := func(name string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		out = append(out, vector{name, bytes.Clone(e.Bytes())})
		e.Reset()
	}
	add("message", e.AppendMessage(&wire.Message{Target: "ponger", Sender: "pinger", Type: "main.Ping"}, Ping{N: 1, Text: "hi"}))
	add("reply", e.AppendReply(&wire.Reply{RequestID: 7, Type: "main.Pong"}, Pong{N: 2}))
	add("reply-error", e.AppendReply(&wire.Reply{RequestID: 8, Code: wire.CodeNotFound, Error: "actor ponger not found"}, nil))
	add("ack", e.AppendAck(&wire.Ack{Count: 300}))
	return out
}

var vectorBlock = regexp.MustCompile("(?s)<!-- vector: ([a-z-]+) -->\n```text\n(.*?)```\n")

// parseDump reads the bytes of an annotated hex dump: hex pairs, with
// comments after '#'.
func parseDump(t *testing.T, name, text string) []byte {
	t.Helper()
	var out []byte
	for _, line := range strings.Split(text, "\n") {
		line, _, _ = strings.Cut(line, "#")
		for _, f := range strings.Fields(line) {
			b, err := hex.DecodeString(f)
			if err != nil {
				t.Fatalf("vector %s: %q is not hex: %v", name, f, err)
			}
			out = append(out, b...)
		}
	}
	return out
}

// TestVectorProofs: the proofs in the Proof and Accept vectors are the
// HMACs of the proof-input vector as section 3.3 says, computed here
// without the package's code.
func TestVectorProofs(t *testing.T) {
	hs := handshakeVectors(t)
	mac := func(in []byte) []byte {
		m := hmac.New(sha256.New, []byte(cookie))
		m.Write(in)
		return m.Sum(nil)
	}
	in := proofInputVector()
	proofI, proofA := hs[2].frame[len(hs[2].frame)-32:], hs[3].frame[len(hs[3].frame)-33:len(hs[3].frame)-1]
	if want := mac(in); !bytes.Equal(proofI, want) {
		t.Errorf("proofI % x, want % x", proofI, want)
	}
	acc := append([]byte("troupe/3 acceptor\x00"), in[len("troupe/3 initiator\x00"):]...)
	if want := mac(append(acc, 0)); !bytes.Equal(proofA, want) {
		t.Errorf("proofA % x, want % x", proofA, want)
	}
}

func TestVectors(t *testing.T) {
	vectors := append(handshakeVectors(t), vector{"proof-input", proofInputVector()})
	vectors = append(vectors, confirmVectors(t)...)
	vectors = append(vectors, sessionVectors(t)...)

	spec, err := os.ReadFile(specPath)
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		writeVectors(t, spec, vectors)
		return
	}
	blocks := map[string]string{}
	for _, m := range vectorBlock.FindAllStringSubmatch(string(spec), -1) {
		blocks[m[1]] = m[2]
	}
	if len(blocks) != len(vectors) {
		t.Errorf("the spec has %d vector blocks, the code %d vectors", len(blocks), len(vectors))
	}
	for _, v := range vectors {
		text, ok := blocks[v.name]
		if !ok {
			t.Errorf("vector %s: no block in %s", v.name, specPath)
			continue
		}
		if got := parseDump(t, v.name, text); !bytes.Equal(got, v.frame) {
			t.Errorf("vector %s: the spec says\n% x\nthe code writes\n% x", v.name, got, v.frame)
		}
		file, err := os.ReadFile(filepath.Join("testdata", "vectors", v.name+".hex"))
		if err != nil {
			t.Errorf("vector %s: %v", v.name, err)
			continue
		}
		if string(file) != text {
			t.Errorf("vector %s: testdata/vectors/%s.hex differs from the spec's block", v.name, v.name)
		}
	}
}

// writeVectors rewrites testdata/vectors and the spec's blocks. A block
// is created in the spec where a line "VECTOR: name" stands.
func writeVectors(t *testing.T, spec []byte, vectors []vector) {
	s := string(spec)
	for _, v := range vectors {
		text := annotate(v.name, v.frame)
		if err := os.WriteFile(filepath.Join("testdata", "vectors", v.name+".hex"), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		block := "<!-- vector: " + v.name + " -->\n```text\n" + text + "```\n"
		placeholder := "VECTOR: " + v.name + "\n"
		switch {
		case strings.Contains(s, placeholder):
			s = strings.Replace(s, placeholder, block, 1)
		default:
			re := regexp.MustCompile("(?s)<!-- vector: " + regexp.QuoteMeta(v.name) + " -->\n```text\n.*?```\n")
			if !re.MatchString(s) {
				t.Fatalf("vector %s has no place in the spec", v.name)
			}
			s = re.ReplaceAllLiteralString(s, block)
		}
	}
	if err := os.WriteFile(specPath, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

// annotate writes b as the spec's annotated hex dump.
func annotate(name string, b []byte) string {
	var d dumper
	if name == "proof-input" {
		d.line(b[:19], `label "troupe/3 initiator" and 0x00`)
		d.line(b[19:51], "nonceI")
		d.line(b[51:83], "nonceA")
		d.line(b[83:99], "incI")
		d.line(b[99:115], "incA")
		n := int(binary.BigEndian.Uint16(b[115:]))
		d.line(b[115:117], fmt.Sprintf("len(addrI) = %d", n))
		d.line(b[117:117+n], fmt.Sprintf("addrI %q", b[117:117+n]))
		rest := b[117+n:]
		m := int(binary.BigEndian.Uint16(rest))
		d.line(rest[:2], fmt.Sprintf("len(addrA) = %d", m))
		d.line(rest[2:2+m], fmt.Sprintf("addrA %q", rest[2:2+m]))
		d.line(rest[2+m:], "len(confirm) = 0: no confirmation")
		return d.String()
	}
	d.line(b[:4], fmt.Sprintf("length: %d bytes", len(b)-4))
	d.line(b[4:5], "array of 2: [frame type, body]")
	t := wire.FrameType(b[5])
	d.line(b[5:6], fmt.Sprintf("frame type %d: %s", t, t))
	n := int(b[6] & 0x0f)
	d.line(b[6:7], fmt.Sprintf("body: array of %d", n))
	off := 7
	for i := 0; i < n; i++ {
		off = d.value(b, off, fieldNames[t][i], "")
	}
	return d.String()
}

var fieldNames = map[wire.FrameType][]string{
	wire.FrameHello:     {"magic", "version", "address", "incarnation", "nonce", "confirm"},
	wire.FrameChallenge: {"magic", "version", "address", "incarnation", "nonce"},
	wire.FrameProof:     {"proof"},
	wire.FrameAccept:    {"proof", "confirmed"},
	wire.FrameMessage:   {"target", "sender", "request id", "type name", "payload"},
	wire.FrameReply:     {"request id", "code", "type name", "payload", "error text"},
	wire.FrameAck:       {"count"},
}

type dumper struct{ out strings.Builder }

func (d *dumper) String() string { return d.out.String() }

// line writes b, 16 bytes a line, with the comment on the first line.
func (d *dumper) line(b []byte, comment string) {
	for first := true; first || len(b) > 0; first = false {
		n := min(len(b), 16)
		h := fmt.Sprintf("% x", b[:n])
		if first {
			fmt.Fprintf(&d.out, "%-48s # %s\n", h, comment)
		} else {
			fmt.Fprintf(&d.out, "%s\n", h)
		}
		b = b[n:]
	}
}

// value annotates the msgpack value at b[off] and returns its end. It knows
// the formats the vectors use.
func (d *dumper) value(b []byte, off int, label, indent string) int {
	c := b[off]
	say := func(end int, what string) int {
		d.line(b[off:end], indent+label+": "+what)
		return end
	}
	switch {
	case c <= 0x7f:
		return say(off+1, fmt.Sprint(c))
	case c == 0xcc:
		return say(off+2, fmt.Sprint(b[off+1]))
	case c == 0xcd:
		return say(off+3, fmt.Sprint(binary.BigEndian.Uint16(b[off+1:])))
	case c >= 0x80 && c <= 0x8f:
		n := int(c & 0x0f)
		end := say(off+1, fmt.Sprintf("map of %d", n))
		for i := 0; i < n; i++ {
			k := string(b[end+1 : end+1+int(b[end]&0x1f)])
			end = d.value(b, end, "key", indent+"  ")
			end = d.value(b, end, k, indent+"  ")
		}
		return end
	case c >= 0xa0 && c <= 0xbf:
		n := int(c & 0x1f)
		return say(off+1+n, fmt.Sprintf("str %q", b[off+1:off+1+n]))
	case c == 0xc0:
		return say(off+1, "nil")
	case c == 0xc4:
		n := int(b[off+1])
		return say(off+2+n, fmt.Sprintf("bin %d", n))
	}
	panic(fmt.Sprintf("annotate: format 0x%02x", c))
}
