package wire_test

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/troupe-go/troupe/remote/wire"
	"github.com/vmihailenco/msgpack/v5"
)

type panicky struct{}

func (panicky) EncodeMsgpack(*msgpack.Encoder) error { panic("no encoding for you") }

// deep is a value nested n levels deep.
func deep(n int) any {
	var v any = 1
	for range n {
		v = []any{v}
	}
	return v
}

func TestEncoderRollsBack(t *testing.T) {
	e := wire.NewEncoder(1000)
	if err := e.AppendHeartbeat(); err != nil {
		t.Fatal(err)
	}
	before := bytes.Clone(e.Bytes())
	msg := &wire.Message{Target: "t", Type: "x"}
	cases := []struct {
		name   string
		append func() error
		want   error
	}{
		{"payload over the limit", func() error { return e.AppendMessage(msg, strings.Repeat("x", 2000)) }, wire.ErrFrameTooLarge},
		// 12 bytes of frame and header around a str16 of 989 bytes: 1001.
		{"payload just over the limit", func() error { return e.AppendMessage(msg, strings.Repeat("x", 1000-11)) }, wire.ErrFrameTooLarge},
		{"reply error text over the limit", func() error {
			return e.AppendReply(&wire.Reply{RequestID: 1, Code: wire.CodeFailed, Error: strings.Repeat("e", 1000)}, nil)
		}, wire.ErrFrameTooLarge},
		{"reason over the limit", func() error { return e.AppendClose(&wire.Close{Reason: strings.Repeat("r", 1000)}) }, wire.ErrFrameTooLarge},
		{"channel payload", func() error { return e.AppendMessage(msg, make(chan int)) }, wire.ErrPayload},
		{"panicking payload", func() error { return e.AppendMessage(msg, panicky{}) }, wire.ErrPayload},
		{"payload too deep", func() error { return e.AppendMessage(msg, deep(wire.MaxDepth-1)) }, wire.ErrPayload},
		{"raw payload of garbage", func() error { return e.AppendMessage(msg, msgpack.RawMessage{0xc1}) }, wire.ErrPayload},
		{"raw payload of two values", func() error { return e.AppendMessage(msg, msgpack.RawMessage{0x01, 0x02}) }, wire.ErrPayload},
		{"raw payload empty", func() error { return e.AppendMessage(msg, msgpack.RawMessage{}) }, wire.ErrPayload},
		{"message without target", func() error { return e.AppendMessage(&wire.Message{Type: "x"}, 1) }, wire.ErrMalformed},
		{"reply error with a value", func() error {
			return e.AppendReply(&wire.Reply{RequestID: 1, Code: wire.CodeFailed}, 1)
		}, wire.ErrMalformed},
		{"reply value without type", func() error { return e.AppendReply(&wire.Reply{RequestID: 1}, 1) }, wire.ErrMalformed},
		{"stop mode 7", func() error { return e.AppendStop(&wire.Stop{Target: "a", Mode: 7}) }, wire.ErrMalformed},
		{"hello without address", func() error { return e.AppendHello(&wire.Hello{Incarnation: incI}) }, wire.ErrMalformed},
		{"refuse ok", func() error { return e.AppendRefuse(&wire.Refuse{}) }, wire.ErrMalformed},
		{"spawned without actor", func() error { return e.AppendSpawned(&wire.Spawned{RequestID: 1}) }, wire.ErrMalformed},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.append()
			if !errors.Is(err, c.want) {
				t.Fatalf("error %v, want %v", err, c.want)
			}
			if !bytes.Equal(e.Bytes(), before) || e.Frames() != 1 {
				t.Fatalf("the buffer changed: %d bytes, %d frames", e.Len(), e.Frames())
			}
		})
	}

	// The Encoder still works, and what it wrote reads back.
	if err := e.AppendMessage(msg, deep(wire.MaxDepth-2)); err != nil {
		t.Fatalf("payload at the deepest level allowed: %v", err)
	}
	if err := e.AppendMessage(msg, strings.Repeat("x", 1000-12)); err != nil {
		t.Fatalf("a frame of exactly the limit: %v", err)
	}
	r := wire.NewReader(bytes.NewReader(e.Bytes()), 1000)
	for range 3 {
		if _, err := r.ReadFrame(); err != nil {
			t.Fatal(err)
		}
	}
}

// TestEncoderLargestFrame writes a frame of exactly the maximum size.
func TestEncoderLargestFrame(t *testing.T) {
	e := wire.NewEncoder(100)
	// 2 (frame array, type) + 1 (body array) + 2 (str header) + reason.
	if err := e.AppendClose(&wire.Close{Reason: strings.Repeat("r", 95)}); err != nil {
		t.Fatal(err)
	}
	if e.Len() != 104 {
		t.Fatalf("Len = %d, want 104", e.Len())
	}
	if _, _, err := readOne(e.Bytes()); err != nil {
		t.Fatal(err)
	}
	r := wire.NewReader(bytes.NewReader(e.Bytes()), 99)
	if _, err := r.ReadFrame(); !errors.Is(err, wire.ErrFrameTooLarge) {
		t.Fatalf("reader of 99 bytes: %v, want ErrFrameTooLarge", err)
	}
}

type shortWriter struct{}

func (shortWriter) Write(p []byte) (int, error) { return len(p) / 2, nil }

func TestEncoderWriteTo(t *testing.T) {
	e := wire.NewEncoder(0)
	e.AppendHeartbeat()
	e.AppendClose(&wire.Close{Reason: "bye"})
	want := bytes.Clone(e.Bytes())
	var out bytes.Buffer
	n, err := e.WriteTo(&out)
	if err != nil || n != int64(len(want)) || !bytes.Equal(out.Bytes(), want) {
		t.Fatalf("WriteTo = %d, %v", n, err)
	}
	if e.Len() != 0 || e.Frames() != 0 {
		t.Errorf("after WriteTo: Len %d, Frames %d", e.Len(), e.Frames())
	}
	e.AppendHeartbeat()
	if _, err := e.WriteTo(shortWriter{}); !errors.Is(err, io.ErrShortWrite) {
		t.Errorf("short write: %v", err)
	}
	if e.Frames() != 1 {
		t.Errorf("a failed WriteTo reset the buffer")
	}
	e.Reset()
	if e.Len() != 0 || e.Frames() != 0 {
		t.Errorf("after Reset: Len %d, Frames %d", e.Len(), e.Frames())
	}
}

// TestEncoderAllocations: a Message with a small struct payload costs no
// allocation once the buffer has grown; nor do the other session frames.
func TestEncoderAllocations(t *testing.T) {
	e := wire.NewEncoder(0)
	var v any = Ping{N: 1, Text: "hi"}
	m := &wire.Message{Target: "ponger", Sender: "pinger", Type: "main.Ping"}
	frames := func() {
		e.Reset()
		for range 16 {
			if err := e.AppendMessage(m, v); err != nil {
				t.Fatal(err)
			}
		}
		e.AppendReply(&wire.Reply{RequestID: 7, Type: "main.Ping"}, v)
		e.AppendWatch(&wire.Watch{Target: "a", Watcher: "b"})
		e.AppendTerminated(&wire.Terminated{Actor: "a", Watcher: "b"})
		e.AppendStop(&wire.Stop{Target: "a"})
		e.AppendHeartbeat()
	}
	frames()
	if n := testing.AllocsPerRun(100, frames); n != 0 {
		t.Errorf("%v allocations per run of 21 frames", n)
	}
}

func TestNewEncoderDefaults(t *testing.T) {
	e := wire.NewEncoder(-1)
	if err := e.AppendMessage(&wire.Message{Target: "t", Type: "x"}, strings.Repeat("x", wire.DefaultMaxFrameSize-30)); err != nil {
		t.Errorf("a frame just under DefaultMaxFrameSize: %v", err)
	}
	e.Reset()
	if err := e.AppendMessage(&wire.Message{Target: "t", Type: "x"}, strings.Repeat("x", wire.DefaultMaxFrameSize)); !errors.Is(err, wire.ErrFrameTooLarge) {
		t.Errorf("a frame over DefaultMaxFrameSize: %v", err)
	}
}
