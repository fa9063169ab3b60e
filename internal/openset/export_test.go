package openset

// Slots is the length of the slice, for tests of growth and shrinking.
func (s *Set[T]) Slots() int { return len(s.slots) }
