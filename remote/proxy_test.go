package remote_test

import (
	"testing"

	"github.com/troupe-go/troupe/actortest"
	"github.com/troupe-go/troupe/remote"
)

// proxyNet lets the nodes of a test dial each other through actortest's
// fault proxies, over real TCP. Nodes keep their own address as their
// identity (Advertise is the address they bound) and reach each other
// through the proxies because their dial function swaps the address
// dialled for its proxy's.
type proxyNet struct{ actortest.Proxies }

func newProxyNet() *proxyNet { return new(proxyNet) }

// node starts a node on 127.0.0.1:0 that dials through the net, with a
// proxy in front of it, both stopped when the test ends. A nil Types gets
// testTypes.
func (pn *proxyNet) node(t testing.TB, cfg remote.Config) (*testNode, *actortest.Proxy) {
	t.Helper()
	tn := startNodeDialing(t, cfg, pn.Dial)
	return tn, pn.Front(t, tn.node.Addr())
}

// proxy puts a new proxy in front of the node at addr.
func (pn *proxyNet) proxy(t testing.TB, addr string) *actortest.Proxy { return pn.Front(t, addr) }
