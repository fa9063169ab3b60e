package wire_test

import (
	"net"
	"reflect"
	"testing"

	"github.com/troupe-go/troupe/remote/wire"
)

// benchAppend is the writer goroutine's steady path: Message frames with
// payload v appended to one reused buffer, which is emptied every 64 frames
// as if flushed, by the codec c (nil: msgpack).
func benchAppend(b *testing.B, c *wire.PlainCodec, v any) {
	e := wire.NewEncoder(0)
	m := &wire.Message{Target: "ponger", Sender: "pinger", Type: "main.Ping"}
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

// BenchmarkAppendMessage encodes a small struct payload with msgpack.
func BenchmarkAppendMessage(b *testing.B) { benchAppend(b, nil, Ping{N: 1, Text: "hi"}) }

// BenchmarkAppendMessagePlain encodes it with its PlainCodec, as a node
// does for a plain registered type.
func BenchmarkAppendMessagePlain(b *testing.B) {
	benchAppend(b, mustCodec(b, reflect.TypeFor[Ping]()), Ping{N: 1, Text: "hi"})
}

// BenchmarkAppendMessageRaw appends an already encoded payload, as a node
// forwarding a message would.
func BenchmarkAppendMessageRaw(b *testing.B) {
	benchAppend(b, nil, mustMarshal(b, Ping{N: 1, Text: "hi"}))
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

// benchReadDispatch is the reader goroutine's steady path: read a Message
// frame from a buffered stream, check it, decode its body, dispatch it and
// hand its payload to payload.
func benchReadDispatch(b *testing.B, payload func(r *wire.Reader, p []byte) error) {
	e := wire.NewEncoder(0)
	for range 64 {
		if err := e.AppendMessage(&wire.Message{Target: "ponger", Sender: "pinger", Type: "main.Ping"}, Ping{N: 1, Text: "hi"}); err != nil {
			b.Fatal(err)
		}
	}
	r := wire.NewReader(&loop{b: e.Bytes()}, 0)
	h := wire.Handlers{Message: func(m *wire.Message) error { return payload(r, m.Payload) }}
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

// BenchmarkReadDispatchMessage decodes the payload into the registered
// type with msgpack.
func BenchmarkReadDispatchMessage(b *testing.B) {
	var ping Ping
	benchReadDispatch(b, func(r *wire.Reader, p []byte) error { return r.DecodePayload(p, &ping) })
}

// BenchmarkReadDispatchMessagePlain decodes it with its PlainCodec, as a
// node does for a plain registered type.
func BenchmarkReadDispatchMessagePlain(b *testing.B) {
	c := mustCodec(b, reflect.TypeFor[Ping]())
	var ping Ping
	benchReadDispatch(b, func(r *wire.Reader, p []byte) error {
		if c.Decode(p, &ping) {
			return nil
		}
		return r.DecodePayload(p, &ping)
	})
}

// BenchmarkReadDispatchMessageNoPayload does not decode the payload: the
// wire package's own share.
func BenchmarkReadDispatchMessageNoPayload(b *testing.B) {
	benchReadDispatch(b, func(*wire.Reader, []byte) error { return nil })
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
