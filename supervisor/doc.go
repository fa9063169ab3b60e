// Package supervisor decides what happens when an actor fails.
//
// It is pure policy, in the manner of Erlang/OTP's supervisor: it starts no
// goroutine, keeps no timer and knows nothing about actors. The actor
// runtime recovers a panic, hands it to the parent's Strategy (the system's
// guardian Strategy for a top-level actor) as a Failure, and carries out the
// Decision that comes back. Keeping the two apart means
// every rule here can be tested with a table and a fake clock.
//
// A Strategy answers four questions:
//
//   - What to do about the failed child: its Decider maps the panic value to
//     a Directive, Resume, Restart, Stop or Escalate.
//   - Which siblings go with it: its Kind, one-for-one (the child alone),
//     all-for-one (every child) or rest-for-one (the child and those spawned
//     after it). Affected gives the range.
//   - Which children come back at all: its RestartType. Permanent children
//     are restarted even when they stop normally, Transient ones only after
//     a failure, Temporary ones never.
//   - When restarting has gone on long enough: the intensity limit (more
//     than n restarts within a window escalates, as OTP's MaxR and MaxT),
//     and how long to wait before each restart: an exponential backoff with
//     jitter, where the first restart after a quiet spell is immediate.
//
// A History holds what a supervisor remembers between failures. Strategies
// are immutable and shared; each supervisor owns its histories.
//
// Default, the strategy for top-level actors, is one-for-one, restarts on
// every failure, makes children Transient, escalates after more than 10
// restarts within 10 seconds, and waits from 10 ms up to 1 s between
// consecutive restarts. See Example for a strategy deciding a run of
// failures.
package supervisor
