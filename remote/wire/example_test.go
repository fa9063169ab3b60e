package wire_test

import (
	"bytes"
	"fmt"
	"reflect"

	"github.com/troupe-go/troupe/remote/wire"
)

// Example writes a Message frame and a Heartbeat into one buffer, as a
// peer's writer goroutine does, then reads them back and dispatches them,
// as the reader goroutine on the other side does.
func Example() {
	type Ping struct{ N int }

	e := wire.NewEncoder(0)
	msg := &wire.Message{Target: "ponger", Sender: "pinger", Type: "main.Ping"}
	if err := e.AppendMessage(msg, Ping{N: 1}); err != nil {
		fmt.Println(err)
		return
	}
	e.AppendHeartbeat()
	fmt.Printf("%d frames, %d bytes\n", e.Frames(), e.Len())

	var conn bytes.Buffer // stands for the network connection
	e.WriteTo(&conn)

	r := wire.NewReader(&conn, 0)
	h := wire.Handlers{
		Message: func(m *wire.Message) error {
			// The node looks m.Type up in its registry and decodes the
			// payload into that concrete type, never into interface{}.
			var p Ping
			if err := r.DecodePayload(m.Payload, &p); err != nil {
				return err
			}
			fmt.Printf("%s from %s to %s: %+v\n", m.Type, m.Sender, m.Target, p)
			return nil
		},
		Heartbeat: func() error {
			fmt.Println("heartbeat")
			return nil
		},
	}
	for {
		f, err := r.ReadFrame()
		if err != nil {
			fmt.Println(err)
			return
		}
		if err := r.Dispatch(f, &h); err != nil {
			fmt.Println(err)
			return
		}
	}
	// Output:
	// 2 frames, 43 bytes
	// main.Ping from pinger to ponger: {N:1}
	// heartbeat
	// EOF
}

// ExampleCheck shows the check refusing a msgpack bomb: five bytes that
// declare a map of four billion entries.
func ExampleCheck() {
	fmt.Println(wire.Check([]byte{0xdf, 0xff, 0xff, 0xff, 0xff}))
	fmt.Println(wire.Check([]byte{0x92, 0x01, 0xa2, 'h', 'i'}))
	// Output:
	// wire: malformed frame: map of 4294967295 elements at offset 0, only 0 bytes left
	// <nil>
}

// ExamplePlainCodec encodes a payload with the codec of its plain type and
// decodes it back, falling back to msgpack when the codec declines, as a
// node does for the types it registers.
func ExamplePlainCodec() {
	type PID struct{ Address, ID string }
	type Move struct {
		Who  PID
		X, Y float64
	}
	c := wire.NewPlainCodec(reflect.TypeFor[Move]())
	fmt.Println("plain:", c != nil, wire.NewPlainCodec(reflect.TypeFor[struct{ L []int }]()) != nil)

	e := wire.NewEncoder(0)
	msg := &wire.Message{Target: "board", Type: "main.Move"}
	if err := e.AppendMessageWith(msg, c, Move{Who: PID{ID: "knight"}, X: 1, Y: 2}); err != nil {
		fmt.Println(err)
		return
	}
	r := wire.NewReader(bytes.NewReader(e.Bytes()), 0)
	f, err := r.ReadFrame()
	if err != nil {
		fmt.Println(err)
		return
	}
	var m wire.Message
	if err := r.DecodeMessage(f, &m); err != nil {
		fmt.Println(err)
		return
	}
	v := new(Move)
	if !c.Decode(m.Payload, v) {
		*v = Move{} // the codec may have written part of it
		if err := r.DecodePayload(m.Payload, v); err != nil {
			fmt.Println(err)
			return
		}
	}
	fmt.Printf("%+v\n", *v)
	// Output:
	// plain: true false
	// {Who:{Address: ID:knight} X:1 Y:2}
}
