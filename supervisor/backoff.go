package supervisor

import (
	"math"
	"time"

	"github.com/troupe-go/troupe/internal/backoff"
)

// maxConsecutive bounds History's count of restarts in a row: 63 doublings
// take any positive min past any max, and two more cover the immediate
// first restart and the undoubled second.
const maxConsecutive = 65

// delay is the backoff before the k-th restart in a row: none for the
// first, so a rare failure costs nothing, then the shared policy from
// minBackoff to maxBackoff, jittered by s.rand.
func (s *Strategy) delay(k int) time.Duration {
	return backoff.Policy{Min: s.minBackoff, Max: s.maxBackoff, Rand: s.rand}.Delay(k - 1)
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
