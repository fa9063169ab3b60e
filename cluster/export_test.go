package cluster

import "time"

// settle makes the view look as if its members last changed long ago, so
// that new activations skip the hand-off round trip.
func (v *view) settle() {
	v.mu.Lock()
	defer v.mu.Unlock()
	s := *v.snap.Load()
	s.changedAt = time.Time{}
	v.snap.Store(&s)
}
