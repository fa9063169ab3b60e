// Package lifecycle is the one stop machine of the stream server and the
// node: a graceful stop that lasts until the caller's context ends or a
// grace period runs out, whichever is first, then turns forced; an
// immediate Close beside it; every stop after the first waiting for it;
// and StopOn, which ties a stop to a channel such as an Event's.
//
// The owner writes only what its own shutdown does (drain connections,
// write queues) and selects on Forced where it would wait; the Lifecycle
// decides when waiting ends, runs the shutdown once, and closes Done.
package lifecycle
