package remote_test

import (
	"sync"
	"testing"
	"testing/synctest"

	"github.com/troupe-go/troupe/internal/testkit"
	"github.com/troupe-go/troupe/remote"
)

// A simultaneous connect in the order that used to split the two nodes,
// played step by step over net.Pipe. a, the lower address, has something
// for b and has decided to dial it, but has not begun; b dials a at that
// moment. Then a dials b, and only after b has answered does a's peer get
// to b's connection. Both nodes must end on one connection, counted once
// each side, and every message sent must arrive.
//
// Before the fix, a accepted b's connection (it was not dialling yet), then
// dialled anyway; b, the higher address, accepted that dial too and
// replaced its own connection with it, while a took b's connection and
// replaced its dial with it: each closed the connection the other kept, and
// b's first message, written on the connection a replaced, was lost
// (Uncertain).
func TestNodeSimultaneousConnectAcceptedBeforeDial(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		pn := newPipeNet(t)
		a := pn.node(t, "a:1", remote.Config{})
		b := pn.node(t, "b:1", remote.Config{})
		got := make(chan any, 16)
		spawn(t, a.sys, "sink", collector(got))
		spawn(t, b.sys, "sink", collector(got))

		deciding := make(chan struct{}) // a's peer has decided to dial b
		dial := make(chan struct{})     // a's peer may dial
		adopt := make(chan struct{})    // a connection a accepted may go to its peer
		var once sync.Once
		remote.SetHooks(a.node, remote.Hooks{
			Dial: func(string) {
				once.Do(func() {
					close(deciding)
					<-dial
				})
			},
			Accepted: func(string) { <-adopt },
		})

		a.sys.Send(b.pid("sink"), Seq{From: "a:1", N: 0})
		<-deciding
		b.sys.Send(a.pid("sink"), Seq{From: "b:1", N: 0})
		synctest.Wait() // b's dial has been answered: accepted or refused
		if !statsOf(b, "a:1").Up && a.node.HandshakeFailures()["duplicate"] == 0 {
			t.Fatal("b's dial was neither taken nor refused while a held its own")
		}
		close(dial)
		synctest.Wait() // a's dial has been answered, and a's peer has its session
		close(adopt)
		synctest.Wait()

		sa, sb := statsOf(a, "b:1"), statsOf(b, "a:1")
		if !sa.Up || !sb.Up || sa.Connects != 1 || sb.Connects != 1 {
			t.Fatalf("not one connection: a %+v, b %+v", sa, sb)
		}
		from := map[string]bool{}
		for range 2 {
			m := testkit.Recv(t, got, "a message").(Seq)
			from[m.From] = true
		}
		if !from["a:1"] || !from["b:1"] {
			t.Fatalf("messages from %v, want one from each", from)
		}
		for _, s := range []remote.PeerStats{settledStats(t, a, "b:1"), settledStats(t, b, "a:1")} {
			if s.Sent != 1 || s.Delivered != 1 || s.Uncertain != 0 {
				t.Fatalf("stats %+v", s)
			}
		}
	})
}
