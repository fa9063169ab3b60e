// Command timers shows an actor's timers: a message to itself later, or
// every interval, that dies with the actor instance that made it.
//
// A kettle heats up on a periodic timer (SendEvery) and gives up with a
// one-shot timer (SendAfter) if it never boils. The story it prints:
//
//   - The periodic ticks come on schedule, every 100 ms.
//   - A slow handler (the kettle pauses 350 ms) does not find three ticks
//     waiting: they coalesce into one, and the next comes on the schedule.
//   - Boiling stops the give-up timer in time: its message never arrives.
//   - A panic restarts the kettle; the new instance gets none of the old
//     instance's ticks, and starts its own timers in Started.
//   - A stop ends every timer: nothing is delivered after it, and nothing
//     becomes a dead letter.
//
// Every line is printed from the kettle's own goroutine, or by main after
// the kettle has stopped, so the lines always come in the same order. The
// times are the wall clock's, rounded to 50 ms: a loaded machine may
// stretch them. (The timers' tests run under testing/synctest, where the
// times are exact.)
//
//	go run ./examples/timers
package main
