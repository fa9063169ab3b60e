package supervisor

import (
	"math/rand/v2"
	"time"
)

// What Default promises; every constructor starts from these.
const (
	// More than 10 restarts within 10 s escalate. With the backoff, a child
	// that crashes as soon as it starts gives up within a few seconds
	// instead of spinning, while a burst of failures from a flaky
	// dependency is ridden out. OTP's 1 in 5 s suits deep trees where the
	// supervisor's own restart is cheap; here escalation usually reaches a
	// top-level actor, which it stops.
	defaultMaxRestarts = 10
	defaultWindow      = 10 * time.Second
	defaultMinBackoff  = 10 * time.Millisecond
	defaultMaxBackoff  = time.Second
)

// Strategy is a supervisor's policy: which siblings a failure touches, what
// to do about it, how many restarts are too many, and how long to wait
// before each one. A Strategy is immutable once built, so one value can be
// shared by any number of supervisors and goroutines; the changing part
// lives in each supervisor's History.
type Strategy struct {
	kind        Kind
	decider     Decider
	restartType RestartType
	maxRestarts int
	window      time.Duration
	minBackoff  time.Duration
	maxBackoff  time.Duration
	now         func() time.Time
	rand        func() float64
}

// OneForOne returns a strategy that restarts only the failed child.
// Options it does not receive take the values described on Default.
// It panics if an option is given an invalid value, as regexp.MustCompile
// does: a strategy is configuration written by the programmer.
func OneForOne(opts ...Option) *Strategy { return build(KindOneForOne, opts) }

// AllForOne returns a strategy that restarts all of a parent's children when
// one fails. Options are as for OneForOne.
func AllForOne(opts ...Option) *Strategy { return build(KindAllForOne, opts) }

// RestForOne returns a strategy that restarts the failed child and the
// children spawned after it. Options are as for OneForOne.
func RestForOne(opts ...Option) *Strategy { return build(KindRestForOne, opts) }

// Default returns the strategy the actor system gives top-level actors, and
// every constructor's starting point: one-for-one; every failure restarts;
// children are Transient; more than 10 restarts within 10 s escalate; the
// delay between consecutive restarts grows from 10 ms to 1 s.
func Default() *Strategy { return OneForOne() }

func build(k Kind, opts []Option) *Strategy {
	s := &Strategy{
		kind:        k,
		decider:     restartAll,
		restartType: Transient,
		maxRestarts: defaultMaxRestarts,
		window:      defaultWindow,
		minBackoff:  defaultMinBackoff,
		maxBackoff:  defaultMaxBackoff,
		now:         time.Now,
		rand:        rand.Float64,
	}
	for _, o := range opts {
		if o != nil {
			o.apply(s)
		}
	}
	return s
}

// Kind returns which siblings this strategy's failures touch.
func (s *Strategy) Kind() Kind { return s.kind }

// RestartType returns the restart type the strategy gives the children it
// supervises.
func (s *Strategy) RestartType() RestartType { return s.restartType }

// RestartOnNormalExit reports whether a child that stopped itself without
// failing should be started again: true only for Permanent children, as in
// OTP. A stop requested by the parent or the system is never a reason to
// restart; telling the two apart is the runtime's business. Use DecideExit to
// get the delay and the intensity check that such a restart also needs.
func (s *Strategy) RestartOnNormalExit() bool { return s.restartType == Permanent }
