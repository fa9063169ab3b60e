// Command echo is a line echo server built on server.Server, of package
// remote/server: every line a client sends comes back to it. It serves
// until Ctrl-C (or SIGTERM), which stops the server through an Event and
// lets the program end cleanly.
//
//	go run ./examples/echo                 # then: nc 127.0.0.1 7000
//	go run ./examples/echo -tls            # then: openssl s_client -quiet -connect 127.0.0.1:7000
//	go run ./examples/echo -maxconns 2     # a third client waits until one leaves
package main
