package supervisor_test

import (
	"testing"
	"time"

	"go.uber.org/goleak"
)

// The package promises to start no goroutine; goleak holds it to that.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// fakeClock is a clock the test moves by hand, for exact edges.
type fakeClock struct{ t time.Time }

func newClock() *fakeClock {
	return &fakeClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) now() time.Time          { return c.t }
func (c *fakeClock) advance(d time.Duration) { c.t = c.t.Add(d) }

func noJitter() float64 { return 0 }
