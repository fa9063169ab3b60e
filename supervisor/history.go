package supervisor

import "time"

// History is a supervisor's memory of recent restarts: their times, for the
// intensity window, and how many came in a row, for the backoff.
//
// The zero value is an empty history, ready to use. A History is not safe
// for concurrent use: it belongs to the parent actor and is only touched
// from its goroutine. The runtime keeps one History per child under a
// one-for-one strategy and one per parent under all-for-one and
// rest-for-one (see Kind). To forget everything, assign History{}.
//
// A History holds at most n+1 restart times for a strategy allowing n
// restarts, however many failures it sees.
type History struct {
	// restarts is a ring of restart times, oldest at head; it grows on
	// demand up to the strategy's limit and never past it.
	restarts []time.Time
	head     int
	count    int

	// consecutive counts restarts in a row, each within the quiet spell of
	// the one before; last is when the latest one was decided.
	consecutive int
	last        time.Time
}

// forget drops the restarts that are window old or older at now.
// Sub saturates instead of overflowing, so any window is safe.
func (h *History) forget(now time.Time, window time.Duration) {
	for h.count > 0 && now.Sub(h.restarts[h.head]) >= window {
		h.dropOldest()
	}
}

func (h *History) dropOldest() {
	h.restarts[h.head] = time.Time{}
	h.head = (h.head + 1) % len(h.restarts)
	h.count--
}

// push records a restart at t, keeping at most limit (>= 1) of them.
func (h *History) push(t time.Time, limit int) {
	for h.count >= limit {
		h.dropOldest()
	}
	if h.count == len(h.restarts) {
		h.grow(limit)
	}
	h.restarts[(h.head+h.count)%len(h.restarts)] = t
	h.count++
}

// grow makes room for one more restart, doubling like append but never
// past limit, so the memory a History holds follows the strategy's limit.
func (h *History) grow(limit int) {
	n := max(2*len(h.restarts), 4)
	if n > limit || n < 0 {
		n = limit
	}
	ring := make([]time.Time, n)
	for i := range h.count {
		ring[i] = h.restarts[(h.head+i)%len(h.restarts)]
	}
	h.restarts, h.head = ring, 0
}
