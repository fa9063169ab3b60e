package openset

import "math/bits"

// Set is a set of Ts in one slice, found by linear probing from the slot
// of their hash. The zero T marks an empty slot and is never held. The
// caller locks, hashes and compares; hash must give an entry's hash as
// the caller gives it to Find, Insert and Remove. The zero Set is empty
// and ready.
//
// The slice grows by half, not double, so that it is between half and
// three quarters full (about 11 bytes an entry of 8), where doubling
// leaves it between three eighths and three quarters (about 15): a slot
// is then found by scaling the hash, not masking it.
type Set[T comparable] struct {
	slots []T // nil, or at least 8 long
	n     int // entries held
}

// home is the slot where h's probe starts: the hash, spread over 64 bits
// by a multiplication (Fibonacci hashing: callers may give hashes whose
// top bits are zero), scaled to the slice's length.
func home(h uint64, n int) int {
	hi, _ := bits.Mul64(h*0x9e3779b97f4a7c15, uint64(n))
	return int(hi)
}

// next is the slot after i, wrapping around a slice of n.
func next(i, n int) int {
	if i++; i == n {
		return 0
	}
	return i
}

// Find returns the entry at or after h's slot that matches, or the zero T.
func (s *Set[T]) Find(h uint64, match func(T) bool) T {
	var zero T
	if s.slots == nil {
		return zero
	}
	n := len(s.slots)
	for i := home(h, n); ; i = next(i, n) {
		if e := s.slots[i]; e == zero || match(e) {
			return e
		}
	}
}

// Insert enters v, whose hash is h, unless an entry that matches is
// there: it returns that one, replaced by v when replace is set, or the
// zero T.
func (s *Set[T]) Insert(v T, h uint64, match func(T) bool, replace bool, hash func(T) uint64) T {
	var zero T
	if (s.n+1)*4 > len(s.slots)*3 { // over three quarters full
		s.resize(max(8, len(s.slots)*3/2), hash)
	}
	n := len(s.slots)
	for i := home(h, n); ; i = next(i, n) {
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

// Remove removes v, whose hash is h, if it is held.
func (s *Set[T]) Remove(v T, h uint64, hash func(T) uint64) {
	var zero T
	if s.slots == nil || v == zero {
		return
	}
	n := len(s.slots)
	i := home(h, n)
	for ; s.slots[i] != v; i = next(i, n) {
		if s.slots[i] == zero {
			return
		}
	}
	// Backward-shift deletion: move up the entries after i that probed
	// past it, so that no lookup stops early at the hole.
	for j := i; ; {
		s.slots[i] = zero
		for {
			j = next(j, n)
			e := s.slots[j]
			if e == zero {
				s.n--
				if s.n*8 < len(s.slots) && len(s.slots) > 8 { // under an eighth full: give memory back
					s.resize(max(8, len(s.slots)/2), hash)
				}
				return
			}
			// e may fill the hole at i unless its home lies cyclically in (i, j].
			if at := home(hash(e), n); (j > i && (at <= i || at > j)) || (j < i && at <= i && at > j) {
				s.slots[i] = e
				i = j
				break
			}
		}
	}
}

// resize moves the entries to n slots.
func (s *Set[T]) resize(n int, hash func(T) uint64) {
	var zero T
	old := s.slots
	s.slots = make([]T, n)
	for _, e := range old {
		if e == zero {
			continue
		}
		i := home(hash(e), n)
		for s.slots[i] != zero {
			i = next(i, n)
		}
		s.slots[i] = e
	}
}

// Each calls f with every entry.
func (s *Set[T]) Each(f func(T)) {
	var zero T
	for _, e := range s.slots {
		if e != zero {
			f(e)
		}
	}
}

// Len is the number of entries held.
func (s *Set[T]) Len() int { return s.n }
