package cluster

// openSet is a set of Ts in one slice, found by linear probing from the
// slot of their hash: the slot is all an entry costs, where a Go map's
// entry costs its slot, control byte and the room kept for growth over a
// larger slot. The zero T marks an empty slot and is never held. The
// caller locks, hashes and compares; hash must give an entry's hash as
// the caller gives it to find, insert and remove.
type openSet[T comparable] struct {
	slots []T // nil, or a power of two long
	n     int // entries held
}

// find returns the entry at or after h's slot that matches, or the zero T.
func (s *openSet[T]) find(h uint64, match func(T) bool) T {
	var zero T
	if s.slots == nil {
		return zero
	}
	mask := uint64(len(s.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		if e := s.slots[i]; e == zero || match(e) {
			return e
		}
	}
}

// insert enters v, whose hash is h, unless an entry that matches is
// there: it returns that one, replaced by v when replace is set, or the
// zero T.
func (s *openSet[T]) insert(v T, h uint64, match func(T) bool, replace bool, hash func(T) uint64) T {
	var zero T
	if (s.n+1)*4 > len(s.slots)*3 { // over three quarters full
		s.resize(max(8, len(s.slots)*2), hash)
	}
	mask := uint64(len(s.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		switch e := s.slots[i]; {
		case e == zero:
			s.slots[i] = v
			s.n++
			return zero
		case match(e):
			if replace {
				s.slots[i] = v
			}
			return e
		}
	}
}

// remove removes v, whose hash is h, if it is held.
func (s *openSet[T]) remove(v T, h uint64, hash func(T) uint64) {
	var zero T
	if s.slots == nil || v == zero {
		return
	}
	mask := uint64(len(s.slots) - 1)
	i := h & mask
	for ; s.slots[i] != v; i = (i + 1) & mask {
		if s.slots[i] == zero {
			return
		}
	}
	// Backward-shift deletion: move up the entries after i that probed
	// past it, so that no lookup stops early at the hole.
	for j := i; ; {
		s.slots[i] = zero
		for {
			j = (j + 1) & mask
			e := s.slots[j]
			if e == zero {
				s.n--
				if s.n*8 < len(s.slots) && len(s.slots) > 8 { // under an eighth full: give memory back
					s.resize(len(s.slots)/2, hash)
				}
				return
			}
			// e may fill the hole at i unless its home lies cyclically in (i, j].
			if home := hash(e) & mask; (j > i && (home <= i || home > j)) || (j < i && home <= i && home > j) {
				s.slots[i] = e
				i = j
				break
			}
		}
	}
}

// resize moves the entries to n slots.
func (s *openSet[T]) resize(n int, hash func(T) uint64) {
	var zero T
	old := s.slots
	s.slots = make([]T, n)
	mask := uint64(n - 1)
	for _, e := range old {
		if e == zero {
			continue
		}
		i := hash(e) & mask
		for s.slots[i] != zero {
			i = (i + 1) & mask
		}
		s.slots[i] = e
	}
}

// each calls f with every entry.
func (s *openSet[T]) each(f func(T)) {
	var zero T
	for _, e := range s.slots {
		if e != zero {
			f(e)
		}
	}
}
