// Command chat runs the chat of package chat: rooms and users as actors,
// a gateway per node with a web page, and a terminal client.
//
//	go run ./examples/chat                         # a node with rooms foo and bar; prints its URL
//	go run ./examples/chat -http 127.0.0.1:8080    # the gateway on a chosen port
//	go run ./examples/chat -duration 30s           # stop by itself after 30 s
//
// Open the printed URL in a browser, or join from a terminal:
//
//	go run ./examples/chat -client -gateway http://127.0.0.1:8080 -room foo -name ann
//
// The node runs until Ctrl-C (SIGINT or SIGTERM) or the end of -duration,
// then ends the event streams, stops the gateway and its actors, and exits.
// docs/tutorial/chat.md tells the whole story.
package main
