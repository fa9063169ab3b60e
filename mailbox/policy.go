package mailbox

import "fmt"

// Overflow says what Put does when the queue is full.
type Overflow uint8

const (
	// Block makes Put wait for room or for its context: backpressure. It is
	// the default.
	Block Overflow = iota
	// DropNewest refuses the item being put: Put returns nil and the item
	// goes to the OnDrop callback.
	DropNewest
	// DropOldest makes room by removing the item at the head of the queue,
	// which goes to the OnDrop callback; the new item is queued.
	DropOldest
	// Reject makes Put return ErrFull at once, like TryPut.
	Reject
)

// String returns the policy's name as written in Go ("Block", ...).
func (o Overflow) String() string {
	switch o {
	case Block:
		return "Block"
	case DropNewest:
		return "DropNewest"
	case DropOldest:
		return "DropOldest"
	case Reject:
		return "Reject"
	}
	return fmt.Sprintf("Overflow(%d)", uint8(o))
}

func (o Overflow) valid() bool { return o <= Reject }

// Option configures a Queue at construction; the WithXxx functions make
// them, and a nil option is ignored.
type Option interface {
	apply(*options)
}

// optionFunc makes a plain function an Option.
type optionFunc func(*options)

func (f optionFunc) apply(o *options) { f(o) }

type options struct {
	overflow Overflow
}

// WithOverflow sets the policy for a full queue. The zero value, Block, is
// the default.
func WithOverflow(o Overflow) Option {
	return optionFunc(func(opts *options) { opts.overflow = o })
}
