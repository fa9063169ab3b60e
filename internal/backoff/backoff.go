package backoff

import (
	"math/rand/v2"
	"time"
)

// A Policy computes the pause before each retry in a run of failures: Min
// doubled with each failure, capped at Max, less a random part of up to
// half, so that retries that failed together spread out but a pause never
// shrinks to nothing and never exceeds Max. It is a value and keeps no
// count: the caller counts the failures in a row and starts again at 1
// after a success.
type Policy struct {
	Min, Max time.Duration // 0 < Min <= Max; Min 0 turns the pause off

	// Rand returns the random part, in [0, 1); values outside are clamped
	// and NaN is 0. Nil means math/rand/v2's Float64. Tests set it.
	Rand func() float64
}

// Delay returns the pause after the n-th failure in a row (n >= 1): Min,
// then twice as long each time up to Max, less up to half at random.
func (p Policy) Delay(n int) time.Duration {
	if n < 1 || p.Min <= 0 {
		return 0
	}
	d := p.Min
	for i := 1; i < n && d < p.Max; i++ {
		if d > p.Max/2 { // doubling would pass Max, or overflow
			d = p.Max
		} else {
			d *= 2
		}
	}
	d = min(d, max(p.Max, p.Min))
	random := p.Rand
	if random == nil {
		random = rand.Float64
	}
	r := random()
	if !(r > 0) { // also catches NaN
		r = 0
	}
	r = min(r, 1)
	return d - time.Duration(r*float64(d/2))
}
