package mailbox

import (
	"errors"
	"fmt"
)

var (
	// ErrFull is returned by TryPut, and by Put under the Reject policy,
	// when the queue holds as many items as its capacity.
	ErrFull = errors.New("mailbox: full")

	// ErrClosed is returned by Put and TryPut once the queue is closed, and by
	// Get and Wait once it is closed and drained.
	ErrClosed = errors.New("mailbox: closed")

	// ErrDropped is the reason given to an OnDrop callback: the item was
	// pushed out by the DropNewest or DropOldest policy.
	ErrDropped = errors.New("mailbox: dropped by overflow policy")

	// ErrDroppedNewest says DropNewest refused the item. It wraps
	// ErrDropped; the actor runtime gives it as a dead letter's reason.
	ErrDroppedNewest = fmt.Errorf("%w: DropNewest", ErrDropped)

	// ErrDroppedOldest says DropOldest pushed the item out. It wraps
	// ErrDropped; the actor runtime gives it as a dead letter's reason.
	ErrDroppedOldest = fmt.Errorf("%w: DropOldest", ErrDropped)
)
