package remote

import (
	"context"
	"net"
	"reflect"

	"github.com/troupe-go/troupe/actor"
)

// StartWith is Start with a listener and a dial function of the test's
// own, so that nodes can run over net.Pipe inside a synctest bubble.
func StartWith(sys *actor.System, cfg Config, ln net.Listener, dial func(ctx context.Context, addr string) (net.Conn, error)) (*Node, error) {
	return start(sys, cfg, ln, dial)
}

// FixPIDs renames the PIDs inside *v as a node named self does for a
// payload that came from the node named from.
func FixPIDs[T any](v *T, from, self string) {
	if f := pidPlan(reflect.TypeFor[T]()); f != nil {
		f.apply(reflect.ValueOf(v).Elem(), pidRewrite{from: from, self: self})
	}
}

// Hooks hold a node's goroutines where a simultaneous connect races: Dial
// once a peer's goroutine has decided to dial addr, Accepted once addr's
// dial has passed the handshake, before its peer takes it.
type Hooks struct {
	Dial     func(addr string)
	Accepted func(addr string)
}

// SetHooks installs h on n. Call it before n has a peer.
func SetHooks(n *Node, h Hooks) {
	n.hook = testHooks{dial: h.Dial, accepted: h.Accepted}
}
