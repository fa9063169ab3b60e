package bench

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"
)

// A Sink checks what one receiving actor is handed: each sender's
// sequence numbers must arrive once and in order, 0, 1, 2, ...
// See and Flush are called by the receiving actor only (one goroutine);
// Wait and the counts by the harness, after Wait returns.
type Sink struct {
	next     []int64
	want     int64
	seen     int64
	disorder int64
	done     chan struct{}
	closed   bool
	start    time.Time
	end      time.Time
	final    Result // taken at finish: messages after it are not counted

	// handled is published every 16 messages for the in-flight meter of
	// the bounded workload; see Handled.
	handled atomic.Int64
}

// NewSink expects want messages from senders senders.
func NewSink(senders int, want int64) *Sink {
	return &Sink{next: make([]int64, senders), want: want, done: make(chan struct{})}
}

// Start marks the beginning of the timed part.
func (s *Sink) Start() { s.start = time.Now() }

// See records message seq of sender.
func (s *Sink) See(sender int, seq int64) {
	s.seen++
	if sender < 0 || sender >= len(s.next) {
		s.disorder++
	} else {
		if seq != s.next[sender] {
			s.disorder++
		}
		if seq >= s.next[sender] {
			s.next[sender] = seq + 1
		}
	}
	if s.seen&15 == 0 {
		s.handled.Store(s.seen)
	}
	if s.seen == s.want {
		s.finish()
	}
}

// Flush ends the wait early: the receiver calls it when it handles the
// marker Wait asked to be sent, after everything queued before it.
func (s *Sink) Flush() { s.finish() }

func (s *Sink) finish() {
	if s.closed {
		return
	}
	s.closed = true
	s.end = time.Now()
	s.final = Result{
		Count:    s.seen,
		Elapsed:  s.end.Sub(s.start),
		Lost:     max(s.want-s.seen, 0),
		Disorder: s.disorder,
	}
	s.handled.Store(s.seen)
	close(s.done)
}

// Handled is how many messages the receiver had handled, at most 15
// behind; any goroutine may call it.
func (s *Sink) Handled() int64 { return s.handled.Load() }

// Wait waits until every message has arrived. When ctx ends first, it
// calls flush, which must send the receiver a marker that makes it call
// Flush, and waits a little longer for it: then the counts are exact and
// the missing messages are reported as lost.
func (s *Sink) Wait(ctx context.Context, flush func()) error {
	select {
	case <-s.done:
		return nil
	case <-ctx.Done():
	}
	flush()
	select {
	case <-s.done:
		return nil
	case <-time.After(5 * time.Second):
		return fmt.Errorf("the receiver did not answer a flush: %d of %d handled", s.Handled(), s.want)
	}
}

// Result has Count, Elapsed, Lost and Disorder as they were when all
// messages had arrived or the flush marker was handled; call it after a
// Wait that returned nil.
func (s *Sink) Result() Result { return s.final }

// Merge adds up the results of several sinks that started together: the
// counts are summed, times by factor (2 when each message seen stands
// for a round trip of two), and Elapsed runs to the last one's end.
func Merge(factor int64, sinks ...*Sink) Result {
	var r Result
	for _, s := range sinks {
		f := s.final
		r.Count += f.Count * factor
		r.Lost += f.Lost
		r.Disorder += f.Disorder
		r.Elapsed = max(r.Elapsed, f.Elapsed)
	}
	return r
}

// Share is sender s's part of total messages among senders.
func Share(total, senders, s int) int {
	n := total / senders
	if s < total%senders {
		n++
	}
	return n
}

// FullBehaviour names what a bounded mailbox did when full, from what
// was measured: it drops when messages were lost, grows when more were in
// flight than it holds (with slack for the senders and the meter's lag),
// and otherwise blocks the senders.
func FullBehaviour(r Result, p Bounded) string {
	switch {
	case r.Lost > 0:
		return "drops"
	case r.MaxInFlight > int64(p.Capacity+p.Capacity/10+p.Senders+16):
		return "grows"
	}
	return "blocks"
}

// A Countdown is a WaitGroup whose Wait gives up with ctx and says how
// many are still missing.
type Countdown struct {
	left atomic.Int64
	done chan struct{}
}

// NewCountdown waits for n calls of Done.
func NewCountdown(n int) *Countdown {
	c := &Countdown{done: make(chan struct{})}
	c.left.Store(int64(n))
	if n == 0 {
		close(c.done)
	}
	return c
}

// Done counts one down; any goroutine may call it.
func (c *Countdown) Done() {
	if c.left.Add(-1) == 0 {
		close(c.done)
	}
}

// Wait waits for all, or for ctx, and returns how many are missing.
func (c *Countdown) Wait(ctx context.Context) int64 {
	select {
	case <-c.done:
	case <-ctx.Done():
	}
	return c.left.Load()
}
