// Command supervision shows what the runtime does when an actor panics.
//
// A worker adds up the integers it is sent as strings and panics on
// anything that does not parse: it does not defend itself, it trusts its
// supervisor to give it a clean start. It is a top-level actor, so its
// supervisor is the system's guardian, set with actor.WithGuardian; a child
// is treated the same way by its parent's strategy (actor.WithSupervisor).
//
// The story the program prints:
//
//   - A failure is published as actor.ActorFailed, with the panic value and
//     the message that caused it. That message is not tried again.
//   - The guardian restarts the worker: the old instance receives
//     actor.Restarting, actor.ActorRestarted is published, and a new
//     instance from the producer receives actor.Started. The running total
//     starts again from 0, while the messages still queued are kept and
//     handled by the new instance.
//   - The first restart after a quiet spell is immediate; the next ones in a
//     row wait for the backoff (50 ms, then 100 ms, less some jitter).
//   - The fourth restart within 10 s would pass the limit of three, so the
//     worker is stopped instead. A watcher sees actor.Terminated once, for
//     that stop, never for the restarts, with the *actor.PanicError as the
//     reason.
//
// Every line about the worker is printed from the worker's own goroutine
// (its Receive and the event subscriber, which runs where the event
// happens) or from the watcher's, after the worker has stopped; main prints
// only after a Request or the watcher has told it the worker is done. So
// the lines always come in the same order.
//
//	go run ./examples/supervision
package main
