package actor

import "sync"

// registry maps local actor IDs to their processes. sync.Map's lock-free
// reads measured faster than a sharded RWMutex map here: with many senders
// to one actor the read lock's counter became the contended line.
type registry struct{ m sync.Map }

func newRegistry() *registry { return &registry{} }

func (r *registry) load(id string) *process {
	v, ok := r.m.Load(id)
	if !ok {
		return nil
	}
	return v.(*process)
}

// add registers p under its ID unless the ID is taken.
func (r *registry) add(p *process) bool {
	_, loaded := r.m.LoadOrStore(p.self.ID, p)
	return !loaded
}

// remove unregisters p, if its ID still names it.
func (r *registry) remove(p *process) { r.m.CompareAndDelete(p.self.ID, p) }

// each calls f for every registered process.
func (r *registry) each(f func(*process)) {
	r.m.Range(func(_, v any) bool {
		f(v.(*process))
		return true
	})
}
