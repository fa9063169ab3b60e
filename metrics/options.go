package metrics

import (
	"fmt"
	"slices"
)

// DefaultBuckets returns the upper bounds, in seconds, of the histogram of
// the time to handle one message: 1 µs to 10 s in steps of 1, 2.5 and 5.
// Actors usually handle a message in microseconds, far below the client
// library's default buckets, which start at 5 ms. Each call returns a new
// slice.
func DefaultBuckets() []float64 {
	return []float64{
		1e-6, 2.5e-6, 5e-6,
		1e-5, 2.5e-5, 5e-5,
		1e-4, 2.5e-4, 5e-4,
		1e-3, 2.5e-3, 5e-3,
		0.01, 0.025, 0.05,
		0.1, 0.25, 0.5,
		1, 2.5, 5, 10,
	}
}

// Option configures New; the WithXxx functions make them, and a nil option
// is ignored.
type Option interface {
	apply(*config)
}

// optionFunc makes a plain function an Option.
type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

// config holds what the options set; its zero value is the default.
type config struct {
	node    string    // "": no node label
	buckets []float64 // nil: DefaultBuckets
}

// WithNode gives every series of the Metrics a constant label node=name, so
// that the Metrics of several Systems (nodes) can share one registry. Without
// it, or with "", the series have no node label, and a second Metrics on the
// same registry fails to register.
func WithNode(name string) Option {
	return optionFunc(func(c *config) { c.node = name })
}

// WithBuckets sets the upper bounds, in seconds, of the histogram of the time
// to handle one message (troupe_actor_message_duration_seconds). They must
// be increasing; nil or empty means DefaultBuckets().
func WithBuckets(bounds []float64) Option {
	return optionFunc(func(c *config) { c.buckets = slices.Clone(bounds) })
}

// validate reports an impossible option.
func (c *config) validate() error {
	for i := 1; i < len(c.buckets); i++ {
		if c.buckets[i] <= c.buckets[i-1] {
			return fmt.Errorf("metrics: WithBuckets(%v): bounds must increase", c.buckets)
		}
	}
	return nil
}

func newConfig(opts []Option) (config, error) {
	var c config
	for _, opt := range opts {
		if opt != nil {
			opt.apply(&c)
		}
	}
	if len(c.buckets) == 0 {
		c.buckets = DefaultBuckets()
	}
	return c, c.validate()
}
