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
