package wire_test

import (
	"net"
	"reflect"
	"testing"

	"github.com/troupe-go/troupe/remote/wire"
)

// BenchmarkAppendMessage is the writer goroutine's steady path: Message
// frames with a small struct payload appended to one reused buffer, which
// is emptied every 64 frames as if flushed.
func BenchmarkAppendMessage(b *testing.B) {
	e := wire.NewEncoder(0)
	m := &wire.Message{Target: "ponger", Sender: "pinger", Type: "main.Ping"}
	var v any = Ping{N: 1, Text: "hi"}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if i++; i%64 == 0 {
			e.Reset()
		}
		if err := e.AppendMessage(m, v); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAppendMessagePlain is BenchmarkAppendMessage with the payload
// encoded by its PlainCodec, as a node does for a plain registered type.
func BenchmarkAppendMessagePlain(b *testing.B) {
	e := wire.NewEncoder(0)
	c := mustCodec(b, reflect.TypeFor[Ping]())
	m := &wire.Message{Target: "ponger", Sender: "pinger", Type: "main.Ping"}
	var v any = Ping{N: 1, Text: "hi"}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if i++; i%64 == 0 {
			e.Reset()
		}
		if err := e.AppendMessageWith(m, c, v); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAppendMessageRaw appends an already encoded payload, as a node
// forwarding a message would.
func BenchmarkAppendMessageRaw(b *testing.B) {
	e := wire.NewEncoder(0)
	m := &wire.Message{Target: "ponger", Sender: "pinger", Type: "main.Ping"}
	var v any = mustMarshal(b, Ping{N: 1, Text: "hi"})
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if i++; i%64 == 0 {
			e.Reset()
		}
		if err := e.AppendMessage(m, v); err != nil {
			b.Fatal(err)
		}
	}
}

// loop is an io.Reader that serves the same bytes over and over.
type loop struct {
	b   []byte
	off int
}

func (l *loop) Read(p []byte) (int, error) {
	n := copy(p, l.b[l.off:])
	l.off = (l.off + n) % len(l.b)
	return n, nil
}

// BenchmarkReadDispatchMessage is the reader goroutine's steady path: read
// a Message frame from a buffered stream, check it, decode its body,
// dispatch it and decode its payload into the registered type.
func BenchmarkReadDispatchMessage(b *testing.B) {
	e := wire.NewEncoder(0)
	for range 64 {
		if err := e.AppendMessage(&wire.Message{Target: "ponger", Sender: "pinger", Type: "main.Ping"}, Ping{N: 1, Text: "hi"}); err != nil {
			b.Fatal(err)
		}
	}
	r := wire.NewReader(&loop{b: e.Bytes()}, 0)
	var ping Ping
	h := wire.Handlers{Message: func(m *wire.Message) error {
		return r.DecodePayload(m.Payload, &ping)
	}}
	b.SetBytes(int64(e.Len() / 64))
	b.ReportAllocs()
	for b.Loop() {
		f, err := r.ReadFrame()
		if err != nil {
			b.Fatal(err)
		}
		if err := r.Dispatch(f, &h); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReadDispatchMessagePlain is BenchmarkReadDispatchMessage with
// the payload decoded by its PlainCodec, as a node does for a plain
// registered type.
func BenchmarkReadDispatchMessagePlain(b *testing.B) {
	e := wire.NewEncoder(0)
	for range 64 {
		if err := e.AppendMessage(&wire.Message{Target: "ponger", Sender: "pinger", Type: "main.Ping"}, Ping{N: 1, Text: "hi"}); err != nil {
			b.Fatal(err)
		}
	}
	r := wire.NewReader(&loop{b: e.Bytes()}, 0)
	c := mustCodec(b, reflect.TypeFor[Ping]())
	var ping Ping
	h := wire.Handlers{Message: func(m *wire.Message) error {
		if c.Decode(m.Payload, &ping) {
			return nil
		}
		return r.DecodePayload(m.Payload, &ping)
	}}
	b.SetBytes(int64(e.Len() / 64))
	b.ReportAllocs()
	for b.Loop() {
		f, err := r.ReadFrame()
		if err != nil {
			b.Fatal(err)
		}
		if err := r.Dispatch(f, &h); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReadDispatchMessageNoPayload is the same without decoding the
// payload: the wire package's own share.
func BenchmarkReadDispatchMessageNoPayload(b *testing.B) {
	e := wire.NewEncoder(0)
	for range 64 {
		if err := e.AppendMessage(&wire.Message{Target: "ponger", Sender: "pinger", Type: "main.Ping"}, Ping{N: 1, Text: "hi"}); err != nil {
			b.Fatal(err)
		}
	}
	r := wire.NewReader(&loop{b: e.Bytes()}, 0)
	h := wire.Handlers{Message: func(m *wire.Message) error { return nil }}
	b.SetBytes(int64(e.Len() / 64))
	b.ReportAllocs()
	for b.Loop() {
		f, err := r.ReadFrame()
		if err != nil {
			b.Fatal(err)
		}
		if err := r.Dispatch(f, &h); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkHandshake runs Dial against Accept over net.Pipe.
func BenchmarkHandshake(b *testing.B) {
	ci, ca := vectorConfigs()
	ci.Rand, ca.Rand = nil, nil
	b.ReportAllocs()
	for b.Loop() {
		x, y := net.Pipe()
		done := make(chan error)
		go func() {
			_, err := wire.Accept(y, ca, nil)
			done <- err
		}()
		if _, err := wire.Dial(x, ci); err != nil {
			b.Fatal(err)
		}
		if err := <-done; err != nil {
			b.Fatal(err)
		}
		x.Close()
		y.Close()
	}
}
