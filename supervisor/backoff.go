package supervisor

import (
	"math"
	"time"
)

// maxConsecutive bounds History's count of restarts in a row: 63 doublings
// take any positive min past any max, and two more cover the immediate
// first restart and the undoubled second.
const maxConsecutive = 65

// delay is the backoff before the k-th restart in a row: none for the
// first, so a rare failure costs nothing, then min doubling up to max. The
// jitter takes off up to half, so children that failed together spread out
// but a delay never shrinks to nothing, and never exceeds max.
func (s *Strategy) delay(k int) time.Duration {
	if k < 2 || s.minBackoff == 0 {
		return 0
	}
	d := s.minBackoff
	for i := 2; i < k && d < s.maxBackoff; i++ {
		if d > s.maxBackoff/2 {
			d = s.maxBackoff
		} else {
			d *= 2
		}
	}
	d = min(d, s.maxBackoff)
	r := s.rand()
	if !(r > 0) { // also catches NaN
		r = 0
	}
	r = min(r, 1)
	return d - time.Duration(r*float64(d/2))
}

// quiet is how long after a restart the next failure counts as a fresh
// start, with no delay. It is the intensity window, the span in which
// failures are taken to be related, but at least twice the longest delay,
// so a child held back for max then runs for as long again before being
// forgiven.
func (s *Strategy) quiet() time.Duration {
	q := time.Duration(math.MaxInt64)
	if s.maxBackoff <= q/2 {
		q = 2 * s.maxBackoff
	}
	return max(q, s.window)
}
