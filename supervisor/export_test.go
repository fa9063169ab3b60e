package supervisor

import "time"

// MaxConsecutive is the saturation point of History's run counter.
const MaxConsecutive = maxConsecutive

// HistoryLen is how many restart times h holds.
func HistoryLen(h *History) int { return h.count }

// HistoryCap is how many restart times h has room for.
func HistoryCap(h *History) int { return len(h.restarts) }

// Consecutive is h's count of restarts in a row.
func Consecutive(h *History) int { return h.consecutive }

// Limits exposes the numbers a Strategy was built with.
func Limits(s *Strategy) (maxRestarts int, window, minBackoff, maxBackoff time.Duration) {
	return s.maxRestarts, s.window, s.minBackoff, s.maxBackoff
}

// Quiet is the spell after which a failure restarts without delay.
func Quiet(s *Strategy) time.Duration { return s.quiet() }
