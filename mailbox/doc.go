// Package mailbox provides a bounded first-in first-out queue with an
// explicit policy for what happens when it is full.
//
// A Queue never holds more items than its capacity, however many goroutines
// put into it at once. When it is full, Put does what the queue's Overflow
// policy says:
//
//   - Block (the default) waits for room, or for the caller's context: the
//     producer slows down to the consumer's pace (backpressure).
//   - Reject returns ErrFull at once.
//   - DropNewest refuses the new item and DropOldest pushes out the oldest
//     one. Either way the item that did not make it goes to the callback
//     set with OnDrop, and is counted by Dropped: nothing disappears unseen.
//
// TryPut never waits, whatever the policy. Get waits for an item; TryGet
// does not. A consumer that handles items in batches uses Drain to take
// everything queued in one step, and Wait to sleep until there is more (Wake
// lets it sleep in one place while also watching another source of work).
//
// Storage follows what is queued, not the capacity: a new queue holds no
// slots, grows by doubling as items arrive, and gives its storage back when
// it empties and its consumer goes to sleep. A mailbox of capacity 100,000
// costs nothing until it is used.
//
// The package knows nothing about actors; package actor builds its mailboxes
// from it. Most programs need only New, Put, TryPut, Get, TryGet, Len, Cap
// and Close. The rest serves a single consumer that works in batches, as
// the actor runtime does: Drain and Wait, Taken and Held (so that a batch in
// hand counts against the capacity), Mark (sequence numbers, for a stop
// after what was queued), Pending, Storage and Release (for a consumer that
// goes idle without sleeping in Wait).
package mailbox
