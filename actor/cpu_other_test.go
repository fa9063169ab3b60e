//go:build !unix

package actor_test

import "time"

// processCPU is not measured here: the benchmarks report zero.
func processCPU() time.Duration { return 0 }
