package supervisor_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/troupe-go/troupe/supervisor"
)

var errBadInput = errors.New("bad input")

// A strategy deciding a run of failures. Bad input is the message's fault,
// so the child resumes with its state; anything else restarts it, each time
// a little later, until the fourth restart within a minute gives up and
// escalates. The clock and jitter are fixed so the output is stable.
func Example() {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	s := supervisor.OneForOne(
		supervisor.WithMaxRestarts(3, time.Minute),
		supervisor.WithBackoff(100*time.Millisecond, time.Second),
		supervisor.WithDecider(func(reason any) supervisor.Directive {
			if err, ok := reason.(error); ok && errors.Is(err, errBadInput) {
				return supervisor.Resume
			}
			return supervisor.Restart
		}),
		supervisor.WithClock(func() time.Time { return now }),
		supervisor.WithJitter(func() float64 { return 0 }),
	)

	var h supervisor.History // one per child under one-for-one
	for _, reason := range []any{errBadInput, "nil map", "nil map", errBadInput, "nil map", "nil map"} {
		d := s.Decide(&h, supervisor.Failure{Reason: reason})
		fmt.Printf("%-9v -> %-8v delay %-5v exceeded %v\n", reason, d.Directive, d.Delay, d.Exceeded)
		now = now.Add(time.Second)
	}

	lo, hi := supervisor.RestForOne().Affected(4, 1)
	fmt.Printf("rest_for_one, child 1 of 4 fails: restart children [%d, %d)\n", lo, hi)
	// Output:
	// bad input -> resume   delay 0s    exceeded false
	// nil map   -> restart  delay 0s    exceeded false
	// nil map   -> restart  delay 100ms exceeded false
	// bad input -> resume   delay 0s    exceeded false
	// nil map   -> restart  delay 200ms exceeded false
	// nil map   -> escalate delay 0s    exceeded true
	// rest_for_one, child 1 of 4 fails: restart children [1, 4)
}
