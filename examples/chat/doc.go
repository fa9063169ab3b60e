// Command chat runs the chat of package chat: rooms and users as actors on
// several nodes, a gateway per node with a web page and /metrics, and a
// terminal client.
//
// Alone, it starts three nodes on loopback in one process, members of one
// cluster whose rooms are grains: the cluster places each room on a node by
// its name, and any room name is made by joining it. The console says
// where foo and bar went. When a room's node dies, the room comes back,
// empty, on another node on its next message, and the page says its
// history was lost. The gateways are at http://127.0.0.1:8080, 8081 and
// 8082 (-http moves them; port 0 picks free ones):
//
//	go run ./examples/chat                  # three nodes; Ctrl-C stops them
//	go run ./examples/chat -nodes 10        # ten nodes, gateways 8080 to 8089
//	go run ./examples/chat -duration 30s    # stop by itself after 30 s
//	go run ./examples/chat -nodes 1         # one node with foo and bar, no network
//
// The same cluster as three processes, one member each (-gossip is the
// member's gossip address, -seed another member's):
//
//	go run ./examples/chat -listen 127.0.0.1:7001 -gossip 127.0.0.1:7101 -node a -http 127.0.0.1:8001
//	go run ./examples/chat -listen 127.0.0.1:7002 -gossip 127.0.0.1:7102 -seed 127.0.0.1:7101 -node b -http 127.0.0.1:8002
//	go run ./examples/chat -listen 127.0.0.1:7003 -gossip 127.0.0.1:7103 -seed 127.0.0.1:7101 -node c -http 127.0.0.1:8003
//
// Without -gossip, three processes are three nodes whose directories hold
// the rooms (-rooms "" hosts none):
//
//	go run ./examples/chat -listen 127.0.0.1:7001 -node a -http 127.0.0.1:8001 -peer 127.0.0.1:7002 -peer 127.0.0.1:7003 -rooms ""
//	go run ./examples/chat -listen 127.0.0.1:7002 -node b -http 127.0.0.1:8002 -peer 127.0.0.1:7001 -peer 127.0.0.1:7003 -rooms bar
//	go run ./examples/chat -listen 127.0.0.1:7003 -node c -http 127.0.0.1:8003 -peer 127.0.0.1:7001 -peer 127.0.0.1:7002 -rooms foo
//
// Stopping such a node (Ctrl-C; a second one quits at once) tells the
// users of its rooms that they went away; the other nodes go on, and the
// rooms can be created again on another node (POST /rooms). Open a
// gateway's URL in a browser, or join from a terminal (-gateway picks
// another gateway than 127.0.0.1:8080, -room another room than foo):
//
//	go run ./examples/chat -client -name ann
//
// docs/tutorial/chat.md tells the whole story.
package main
