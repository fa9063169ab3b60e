// Command pingpong bounces a message between two local actors and reports
// how fast the round trips go.
//
// A pinger sends Ping to a ponger with Context.Send; the ponger answers each
// with Context.Respond, which sends Pong back to the actor that asked. After
// n round trips the pinger tells main and stops itself. Before and after the
// run, main asks the ponger how many pings it has answered with
// System.Request, which waits for the answer: the example shows both styles,
// messages between actors and a request from outside. Everything stays in
// the process; there is no network.
//
//	go run ./examples/pingpong            # one million round trips
//	go run ./examples/pingpong -n 100000
package main
