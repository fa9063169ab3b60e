package remote

import (
	"context"
	"net"

	"github.com/troupe-go/troupe/actor"
)

// StartWith is Start with a listener and a dial function of the test's
// own, so that nodes can run over net.Pipe inside a synctest bubble.
func StartWith(sys *actor.System, cfg Config, ln net.Listener, dial func(ctx context.Context, addr string) (net.Conn, error)) (*Node, error) {
	return start(sys, cfg, ln, dial)
}
