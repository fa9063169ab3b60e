package wire_test

import (
	"bytes"
	"fmt"

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
