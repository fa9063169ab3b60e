// Package actor is troupe's local actor runtime.
//
// An actor is a bounded mailbox and a receive loop that runs on its own
// goroutine while there are messages, and costs no goroutine while idle. It
// owns its state; the only way to reach it is to send it a message. A System
// spawns actors and routes messages to them by PID, a plain comparable value:
//
//	sys := actor.NewSystem()
//	pid, _ := sys.Spawn(func() actor.Actor { return &Counter{} }, actor.WithName("counter"))
//	sys.Send(pid, Add{N: 2})
//	n, _ := sys.Request(ctx, pid, Get{})
//
// Receive is called with one message at a time, on the actor's goroutine, so
// an actor needs no locks. Besides user messages it receives lifecycle
// values: Started first, Stopping and Stopped at the end, and Terminated for
// every actor it watches.
//
// # Sending
//
// Send follows the target mailbox's overflow policy (WithOverflow): by
// default it waits for room, which slows a fast sender to its receiver's
// pace. TrySend never waits and SendContext waits until its context is done.
// Request waits for the answer given with Context.Respond; RequestFuture
// returns a Future at once.
//
// # Guarantees
//
// Messages from one sender to one actor arrive in the order they were sent.
// Delivery is at most once: a message reaches Receive once or not at all.
// A message that does not arrive is never lost unseen: either the send
// returns an error, or the message becomes a DeadLetter that is counted,
// logged and published to subscribers (System.Subscribe).
//
// # Stopping
//
// Stop jumps the queue: the actor stops after the message it is handling,
// and what is still queued becomes dead letters. Stop cancels
// Context.Context at once, so long work can end early; a handler that
// ignores it is reported, never hidden. Poison lets the actor first handle
// what was queued before it.
// An actor stops its children, in reverse spawn order, before it stops
// itself. Shutdown stops everything and waits.
//
// # Failures
//
// A panic in Receive never leaves the actor: it is recovered with its stack,
// logged, published as ActorFailed, and handed to the actor's supervisor:
// the parent's strategy (WithSupervisor) or, for a top-level actor, the
// system's guardian (WithGuardian). By default the actor is restarted: a new
// instance from the producer, with the same PID and mailbox. Resume, Stop and
// Escalate are the other directives; restart intensity and backoff come from
// package supervisor. An actor that is stopped by a panic has a *PanicError
// as its reason, which watchers see in Terminated and Wait returns.
//
// # Timers
//
// Inside Receive, Context.SendAfter sends a message to the actor itself
// later, SendAfterTo to another actor, and SendEvery every interval; each
// returns a *Timer to stop. A timer dies with the instance that made it: a
// stop or a restart stops it, and its tick, even one already queued, is
// withdrawn. A tick follows the target mailbox's overflow policy, and a
// periodic timer keeps at most one tick waiting (see Timer).
//
// # Events and testing
//
// System.Subscribe hears of dead letters, failures, restarts, stops and
// nodes coming and going. Package actortest builds on it: a probe actor a
// test reads, and a System that fails a test on what it should not let
// pass.
//
// Instrumentation comes through the Observer interface, which package
// metrics implements for Prometheus. An Observer that panics is recovered
// and logged; the runtime goes on.
//
// # Building on actor
//
// A package that spawns actors for its users can keep a word of state
// beside each one and hear of its life without wrapping it: Hooks run
// before each instance starts and once when the actor has ended, and a Tag
// holds the state (see WithTag and WithHooks). Package cluster keeps its
// virtual actors so.
package actor
