package bench

import "time"

// Result is what one trial measured. Counts are of messages, requests,
// actors or lines, as the workload says.
type Result struct {
	Count   int64         `json:"count"`   // handled, in the timed part
	Elapsed time.Duration `json:"elapsed"` // of the timed part

	// Lost counts messages sent (or accepted) that never reached the
	// receiver; Disorder counts those that arrived twice or out of their
	// sender's order. Both are zero for a correct run.
	Lost     int64 `json:"lost,omitempty"`
	Disorder int64 `json:"disorder,omitempty"`

	P50 time.Duration `json:"p50,omitempty"`
	P99 time.Duration `json:"p99,omitempty"`

	BytesPerActor float64 `json:"bytes_per_actor,omitempty"`

	// PeakHeap is the most heap in use by objects (runtime/metrics),
	// sampled every millisecond: the trial's process, plus the server's
	// for a two-process workload. Zero when not a Go process.
	PeakHeap uint64 `json:"peak_heap,omitempty"`
	// PeakRSS is the process's high-water resident set (VmHWM, or
	// ru_maxrss), for comparisons that include a non-Go process.
	PeakRSS uint64 `json:"peak_rss,omitempty"`

	// Full says what the bounded mailbox did when full: blocks, drops,
	// grows. MaxInFlight is the most messages seen sent and not yet
	// handled.
	Full        string `json:"full,omitempty"`
	MaxInFlight int64  `json:"max_in_flight,omitempty"`

	Note string `json:"note,omitempty"`
}
