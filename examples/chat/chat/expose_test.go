package chat_test

import (
	"testing"
	"time"

	"github.com/troupe-go/troupe/actor"
	"github.com/troupe-go/troupe/examples/chat/chat"
)

// TestRemoteStopRefused: another node may send to a directory, never stop
// it: stopping a node's directory would end every room on that node.
func TestRemoteStopRefused(t *testing.T) {
	nodes := startCluster(t, []string{"lobby"}, []string{"garden"})
	a, b := nodes[0], nodes[1]
	if err := a.System.Stop(actor.PID{Address: b.NodeAddr(), ID: chat.DirectoryName}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for refused(b, a.NodeAddr()) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the remote stop was not refused")
		}
		time.Sleep(time.Millisecond)
	}
	knows(t, b, "lobby", "garden")
	knows(t, a, "lobby", "garden")
}

// refused returns what n's node refused the node at addr.
func refused(n *chat.Node, addr string) uint64 {
	for _, s := range n.Remote.Stats() {
		if s.Addr == addr {
			return s.AccessRefused
		}
	}
	return 0
}
