// Command chat runs the chat of package chat: rooms and users as actors on
// several nodes, a gateway per node with a web page and /metrics, and a
// terminal client.
//
// Alone, it starts three nodes on loopback in one process: node a hosts no
// room, b hosts bar and c hosts foo, so a person on a's gateway talks in a
// room that lives on c. Their gateways are at http://127.0.0.1:8080, 8081
// and 8082 (-http moves them; port 0 picks free ones):
//
//	go run ./examples/chat                  # three nodes; Ctrl-C stops them
//	go run ./examples/chat -duration 30s    # stop by itself after 30 s
//	go run ./examples/chat -nodes 1         # one node with foo and bar, no network
//
// The same chat as three processes, one node each (-rooms "" hosts none):
//
//	go run ./examples/chat -listen 127.0.0.1:7001 -node a -http 127.0.0.1:8001 -peer 127.0.0.1:7002 -peer 127.0.0.1:7003 -rooms ""
//	go run ./examples/chat -listen 127.0.0.1:7002 -node b -http 127.0.0.1:8002 -peer 127.0.0.1:7001 -peer 127.0.0.1:7003 -rooms bar
//	go run ./examples/chat -listen 127.0.0.1:7003 -node c -http 127.0.0.1:8003 -peer 127.0.0.1:7001 -peer 127.0.0.1:7002 -rooms foo
//
// Stopping a node (Ctrl-C; a second one quits at once) tells the users of
// its rooms that they went away; the other nodes go on, and the rooms can
// be created again on another node (POST /rooms). Open a gateway's URL in a
// browser, or join from a terminal (-gateway picks another gateway than
// 127.0.0.1:8080, -room another room than foo):
//
//	go run ./examples/chat -client -name ann
//
// docs/tutorial/chat.md tells the whole story.
package main
