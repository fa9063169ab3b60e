package chat

import "context"

// InboxOf returns the inbox of the user called name, or nil.
func (g *Gateway) InboxOf(name string) *Inbox {
	g.mu.Lock()
	defer g.mu.Unlock()
	if e, ok := g.users[name]; ok {
		return e.inbox
	}
	return nil
}

// Printable is printable, the terminal client's escaping.
var Printable = printable

// ClientAddr is clientAddr, the address UsersPerAddr counts by.
var ClientAddr = clientAddr

// PeersOf returns the addresses of the nodes n's directory tells of its
// rooms, sorted.
func PeersOf(ctx context.Context, n *Node) ([]string, error) {
	v, err := n.System.Request(ctx, n.Directory, peersQuery{})
	if err != nil {
		return nil, err
	}
	return v.([]string), nil
}

// TellGone tells n's directory what the cluster tells it when the member
// at addr is dead or left.
func TellGone(n *Node, addr string) error {
	return n.System.Send(n.Directory, memberGone{Address: addr})
}
