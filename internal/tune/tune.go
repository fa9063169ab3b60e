package tune

import "time"

// SpinYields is how many times a consumer that has run out of items yields
// the processor, watching for more, before it sleeps (a mailbox consumer)
// or its goroutine ends (an actor). A producer that is still sending is
// caught without the cost of a wake-up; an idle consumer stops looking
// after a few microseconds.
const SpinYields = 8

// IdleRelease is how long a consumer must be idle before the storage its
// queue grew to is given back. A busy consumer that pauses briefly keeps it
// and does not pay to grow it again.
const IdleRelease = 5 * time.Millisecond
