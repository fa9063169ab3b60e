package wire_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"runtime"
	"testing"

	"github.com/troupe-go/troupe/remote/wire"
)

func TestReaderErrors(t *testing.T) {
	heartbeat := frameOf(0x92, 0x18, 0x90)
	cases := []struct {
		name string
		in   []byte
		want error
	}{
		{"nothing", nil, io.EOF},
		{"2 bytes of length", []byte{0, 0}, io.ErrUnexpectedEOF},
		{"length only", []byte{0, 0, 0, 3}, io.ErrUnexpectedEOF},
		{"half a body", heartbeat[:5], io.ErrUnexpectedEOF},
		{"empty frame", []byte{0, 0, 0, 0}, wire.ErrEmptyFrame},
		{"just over the maximum", binary.BigEndian.AppendUint32(nil, wire.DefaultMaxFrameSize+1), wire.ErrFrameTooLarge},
		{"4 GiB", []byte{0xff, 0xff, 0xff, 0xff}, wire.ErrFrameTooLarge},
		{"HTTP", []byte("GET / HTTP/1.1\r\n\r\n"), wire.ErrFrameTooLarge},
		{"not msgpack", frameOf(0xc1, 0xc1, 0xc1), wire.ErrMalformed},
		{"map32 bomb", frameOf(0xdf, 0xff, 0xff, 0xff, 0xff), wire.ErrMalformed},
		{"unknown type", frameOf(0x92, 0x1b, 0x90), wire.ErrUnknownFrame},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			_, _, err := readOne(c.in)
			runtime.ReadMemStats(&after)
			if !errors.Is(err, c.want) {
				t.Fatalf("ReadFrame = %v, want %v", err, c.want)
			}
			// The Reader's own buffer is 64 KiB; nothing the header claims is
			// allocated beyond it.
			if grown := after.TotalAlloc - before.TotalAlloc; grown > 256<<10 {
				t.Errorf("allocated %d bytes", grown)
			}
		})
	}
}

// TestReaderStream reads frames that arrive one byte at a time.
func TestReaderStream(t *testing.T) {
	e := wire.NewEncoder(0)
	for i := range 100 {
		if err := e.AppendMessage(&wire.Message{Target: "t", Type: "int", RequestID: uint64(i)}, i); err != nil {
			t.Fatal(err)
		}
	}
	e.AppendClose(&wire.Close{Reason: "done"})
	r := wire.NewReader(io.MultiReader(oneByteReader{bytes.NewReader(e.Bytes())}), 0)
	var got []uint64
	h := wire.Handlers{
		Message: func(m *wire.Message) error {
			got = append(got, m.RequestID)
			return nil
		},
		Close: func(c *wire.Close) error { return io.EOF },
	}
	for {
		f, err := r.ReadFrame()
		if err != nil {
			t.Fatal(err)
		}
		if err := r.Dispatch(f, &h); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
	}
	if len(got) != 100 || got[99] != 99 {
		t.Errorf("got %d messages", len(got))
	}
}

type oneByteReader struct{ r io.Reader }

func (o oneByteReader) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	return o.r.Read(p[:1])
}

func TestReaderLargeFrames(t *testing.T) {
	e := wire.NewEncoder(0)
	big := bytes.Repeat([]byte{7}, 1<<20)
	for _, n := range []int{10, 1 << 20, 10, 100 << 10, 10} {
		if err := e.AppendMessage(&wire.Message{Target: "t", Type: "bytes"}, big[:n]); err != nil {
			t.Fatal(err)
		}
	}
	r := wire.NewReader(bytes.NewReader(e.Bytes()), 0)
	for _, n := range []int{10, 1 << 20, 10, 100 << 10, 10} {
		f, err := r.ReadFrame()
		if err != nil {
			t.Fatal(err)
		}
		var m wire.Message
		if err := r.DecodeMessage(f, &m); err != nil {
			t.Fatal(err)
		}
		if want := mustMarshal(t, big[:n]); !bytes.Equal(m.Payload, want) {
			t.Errorf("payload of %d bytes differs", n)
		}
	}
}

func TestDispatch(t *testing.T) {
	e := wire.NewEncoder(0)
	e.AppendMessage(&wire.Message{Target: "a", Sender: "b", RequestID: 3, Type: "main.Ping"}, Ping{N: 4})
	e.AppendReply(&wire.Reply{RequestID: 3, Type: "main.Pong"}, Pong{N: 5})
	e.AppendWatch(&wire.Watch{Target: "a", Watcher: "w"})
	e.AppendUnwatch(&wire.Watch{Target: "a", Watcher: "w"})
	e.AppendTerminated(&wire.Terminated{Actor: "a", Watcher: "w", Code: wire.CodeFailed, Reason: "r"})
	e.AppendStop(&wire.Stop{Target: "a", Mode: wire.ModePoison})
	e.AppendSpawn(&wire.Spawn{RequestID: 9, Kind: "k", Name: "n"})
	e.AppendSpawned(&wire.Spawned{RequestID: 9, Actor: "n"})
	e.AppendHeartbeat()
	e.AppendClose(&wire.Close{Reason: "bye"})
	if e.Frames() != 10 {
		t.Fatalf("%d frames", e.Frames())
	}

	var log []string
	var ping Ping
	h := wire.Handlers{
		Message: func(m *wire.Message) error {
			log = append(log, "message "+m.Target+" "+m.Sender+" "+m.Type)
			return decodePayload(m.Payload, &ping)
		},
		Reply:   func(r *wire.Reply) error { log = append(log, "reply "+r.Type); return nil },
		Watch:   func(w *wire.Watch) error { log = append(log, "watch "+w.Target+" "+w.Watcher); return nil },
		Unwatch: func(w *wire.Watch) error { log = append(log, "unwatch "+w.Target+" "+w.Watcher); return nil },
		Terminated: func(x *wire.Terminated) error {
			log = append(log, "terminated "+x.Code.String()+" "+x.Reason)
			return nil
		},
		Stop:      func(s *wire.Stop) error { log = append(log, "stop "+s.Target); return nil },
		Spawn:     func(s *wire.Spawn) error { log = append(log, "spawn "+s.Kind+" "+s.Name); return nil },
		Spawned:   func(s *wire.Spawned) error { log = append(log, "spawned "+s.Actor); return nil },
		Heartbeat: func() error { log = append(log, "heartbeat"); return nil },
		Close:     func(c *wire.Close) error { log = append(log, "close "+c.Reason); return nil },
	}
	r := wire.NewReader(bytes.NewReader(e.Bytes()), 0)
	for range 10 {
		f, err := r.ReadFrame()
		if err != nil {
			t.Fatal(err)
		}
		if err := r.Dispatch(f, &h); err != nil {
			t.Fatal(err)
		}
	}
	want := []string{
		"message a b main.Ping", "reply main.Pong", "watch a w", "unwatch a w", "terminated failed r",
		"stop a", "spawn k n", "spawned n", "heartbeat", "close bye",
	}
	if len(log) != len(want) {
		t.Fatalf("log %q", log)
	}
	for i := range want {
		if log[i] != want[i] {
			t.Errorf("call %d: %q, want %q", i, log[i], want[i])
		}
	}
	if ping.N != 4 {
		t.Errorf("payload decoded to %+v", ping)
	}

	// A nil handler, a handshake frame, an unknown type; a handler's error.
	r = wire.NewReader(bytes.NewReader(e.Bytes()), 0)
	f, _ := r.ReadFrame()
	if err := r.Dispatch(f, &wire.Handlers{}); !errors.Is(err, wire.ErrUnexpectedFrame) {
		t.Errorf("nil handler: %v", err)
	}
	boom := errors.New("boom")
	if err := r.Dispatch(f, &wire.Handlers{Message: func(*wire.Message) error { return boom }}); err != boom {
		t.Errorf("handler error: %v", err)
	}
	if err := r.Dispatch(wire.Frame{Type: wire.FrameAccept, Body: []byte{0x90}}, &h); !errors.Is(err, wire.ErrUnexpectedFrame) {
		t.Errorf("Accept in the session: %v", err)
	}
	if err := r.Dispatch(wire.Frame{Type: 99, Body: []byte{0x90}}, &h); !errors.Is(err, wire.ErrUnknownFrame) {
		t.Errorf("type 99: %v", err)
	}
}

func TestZeroDecoder(t *testing.T) {
	e := wire.NewEncoder(0)
	e.AppendMessage(&wire.Message{Target: "t", Type: "main.Ping"}, Ping{N: 2})
	_, f, err := readOne(e.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	var d wire.Decoder
	var m wire.Message
	var p Ping
	if err := d.DecodeMessage(f, &m); err != nil || d.DecodePayload(m.Payload, &p) != nil || p.N != 2 {
		t.Fatalf("zero Decoder: %+v, %+v, %v", m, p, err)
	}
}

func TestDecodePayload(t *testing.T) {
	d := wire.NewDecoder()
	var p Ping
	if err := d.DecodePayload(mustMarshal(t, Ping{N: 3, Text: "x"}), &p); err != nil || p != (Ping{N: 3, Text: "x"}) {
		t.Fatalf("DecodePayload = %+v, %v", p, err)
	}
	bad := []struct {
		name string
		in   []byte
		v    any
	}{
		// msgpack/v5 panics on this one (found by FuzzCheckDecode).
		{"nil into a time.Time field", []byte{0x81, 0xa1, 'T', 0xc0}, new(Registered)},
		{"wrong type", mustMarshal(t, "text"), new(Ping)},
		{"two values", []byte{0x01, 0x02}, new(int)},
		{"a bomb", []byte{0xdd, 0xff, 0xff, 0xff, 0xff}, new([]int)},
		{"empty", nil, new(int)},
	}
	for _, c := range bad {
		if err := d.DecodePayload(c.in, c.v); !errors.Is(err, wire.ErrPayload) {
			t.Errorf("%s: %v, want ErrPayload", c.name, err)
		}
	}
}

// A Frame made by hand has not passed Check: its payload is walked and
// checked as any unchecked bytes are, even though a Reader's frames skip
// that second look.
func TestHandMadeFrameIsChecked(t *testing.T) {
	// [target "t", sender "", request 0, type "x", an array32 header
	// claiming 4G elements with none behind it]
	body := []byte{0x95, 0xa1, 't', 0xa0, 0x00, 0xa1, 'x', 0xdd, 0xff, 0xff, 0xff, 0xff}
	var d wire.Decoder
	var m wire.Message
	err := d.DecodeMessage(wire.Frame{Type: wire.FrameMessage, Body: body}, &m)
	if !errors.Is(err, wire.ErrMalformed) {
		t.Fatalf("DecodeMessage of a hand-made bomb = %v, want ErrMalformed", err)
	}
	// A payload handed in directly is checked too.
	var v []int
	if err := d.DecodePayload(body[7:], &v); !errors.Is(err, wire.ErrPayload) {
		t.Fatalf("DecodePayload of a bomb = %v, want ErrPayload", err)
	}
}

// A stream of frames to the same actor, of the same type, decodes its names
// without allocating them again.
func TestRepeatedNamesAreNotAllocated(t *testing.T) {
	e := wire.NewEncoder(0)
	const n = 200
	for range n {
		if err := e.AppendMessage(&wire.Message{Target: "ponger-0123456789", Sender: "pinger-0123456789", Type: "main.Ping"}, 7); err != nil {
			t.Fatal(err)
		}
	}
	r := wire.NewReader(bytes.NewReader(e.Bytes()), 0)
	var m wire.Message
	var v int
	decode := func() {
		f, err := r.ReadFrame()
		if err == nil {
			err = r.DecodeMessage(f, &m)
		}
		if err == nil {
			err = r.DecodePayload(m.Payload, &v)
		}
		if err != nil || v != 7 || m.Target != "ponger-0123456789" || m.Sender != "pinger-0123456789" || m.Type != "main.Ping" {
			t.Fatalf("decoded %+v, %d, %v", m, v, err)
		}
	}
	decode() // the first meeting allocates each name once
	if allocs := testing.AllocsPerRun(n-2, decode); allocs != 0 {
		t.Errorf("%v allocations per message, want 0", allocs)
	}
}

// Buffered says whether the next frame is wholly buffered: true between
// the frames of one read, false before a partial frame or none.
func TestReaderBuffered(t *testing.T) {
	hb := frameOf(0x92, 0x18, 0x90)
	in := append(append(bytes.Clone(hb), hb...), hb[:5]...)
	r := wire.NewReader(bytes.NewReader(in), 0)
	if r.Buffered() {
		t.Fatal("Buffered before the first read")
	}
	want := []bool{true, false}
	for i, w := range want {
		if _, err := r.ReadFrame(); err != nil {
			t.Fatal(err)
		}
		if got := r.Buffered(); got != w {
			t.Fatalf("after frame %d: Buffered = %v, want %v", i+1, got, w)
		}
	}
	if _, err := r.ReadFrame(); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("ReadFrame of half a frame = %v", err)
	}
}
