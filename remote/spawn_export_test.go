package remote

// PendingRequests returns how many requests and spawns n has waiting for
// an answer from the node at addr.
func PendingRequests(n *Node, addr string) int {
	p := n.lookupPeer(addr)
	if p == nil {
		return 0
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.pending)
}
