package remote_test

import (
	"context"
	"reflect"
	"testing"

	"github.com/troupe-go/troupe/actor"
	"github.com/troupe-go/troupe/internal/testkit"
	"github.com/troupe-go/troupe/remote"
	"github.com/troupe-go/troupe/remote/wire"
)

// Messages of the codec test: Move is plain (wire.PlainCodec encodes and
// decodes it), Note is not (a slice field): msgpack does.
type (
	Move struct {
		Who  actor.PID
		To   actor.PID `msgpack:"to"`
		Via  actor.PID
		X, Y float64
		Step int32
		Tag  string
	}
	Note struct {
		From actor.PID
		Refs []actor.PID
		Text string
	}
)

// Messages of plain and other registered types cross between nodes, as
// requests and as their answers, with the PIDs inside them renamed for the
// receiving node as before: the sender's own actors get its address, the
// receiver's own become local, a third node's stay as they are.
func TestNodePlainAndOtherTypes(t *testing.T) {
	for typ, plain := range map[reflect.Type]bool{
		reflect.TypeFor[Move]():      true,
		reflect.TypeFor[actor.PID](): true,
		reflect.TypeFor[Ping]():      true,
		reflect.TypeFor[Seq]():       true,
		reflect.TypeFor[Note]():      false,
		reflect.TypeFor[Ask]():       false,
	} {
		if got := wire.NewPlainCodec(typ) != nil; got != plain {
			t.Fatalf("%v plain: %v, want %v", typ, got, plain)
		}
	}
	types := testTypes()
	remote.Register[Move](types, "test.Move")
	remote.Register[Note](types, "test.Note")
	nodes := startNodes(t, 2, remote.Config{Types: types})
	a, b := nodes[0], nodes[1]
	got := make(chan any, 16)
	spawn(t, b.sys, "sink", collector(got))
	spawn(t, b.sys, "echo", echoActor)

	mine := actor.PID{ID: "mine"}                 // an actor of a
	theirs := b.pid("theirs")                     // an actor of b, as a names it
	third := actor.PID{Address: "c:1", ID: "far"} // an actor of a third node
	move := Move{Who: mine, To: theirs, Via: third, X: 1.5, Y: -2, Step: -300, Tag: "go"}
	note := Note{From: mine, Refs: []actor.PID{theirs, third}, Text: "hi"}

	// Arriving at b.
	at := func(p actor.PID, addr string) actor.PID { p.Address = addr; return p }
	wantMove := move
	wantMove.Who, wantMove.To = at(mine, a.node.Addr()), at(theirs, "")
	wantNote := Note{From: at(mine, a.node.Addr()), Refs: []actor.PID{at(theirs, ""), third}, Text: "hi"}
	for _, c := range []struct{ send, want any }{
		{move, wantMove},
		{note, wantNote},
		{mine, at(mine, a.node.Addr())},
		{Ping{N: 42}, Ping{N: 42}},
	} {
		if err := a.sys.Send(b.pid("sink"), c.send); err != nil {
			t.Fatalf("Send(%T): %v", c.send, err)
		}
		if m := testkit.Recv(t, got, "a message"); !reflect.DeepEqual(m, c.want) {
			t.Fatalf("sent %+v, b got %+v, want %+v", c.send, m, c.want)
		}
	}

	// There and back: b's echo answers with what it got, which a renames
	// back to what it sent.
	ctx := context.Background()
	for _, v := range []any{move, note, mine, third} {
		r, err := a.sys.Request(ctx, b.pid("echo"), v)
		if err != nil || !reflect.DeepEqual(r, v) {
			t.Fatalf("Request(%+v) = %+v, %v", v, r, err)
		}
	}
}
