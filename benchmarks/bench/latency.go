package bench

import (
	"slices"
	"time"
)

// Percentiles returns the median and the 99th percentile of lat, sorting
// it in place.
func Percentiles(lat []time.Duration) (p50, p99 time.Duration) {
	if len(lat) == 0 {
		return 0, 0
	}
	slices.Sort(lat)
	return lat[len(lat)/2], lat[min(len(lat)*99/100, len(lat)-1)]
}
