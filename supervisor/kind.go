package supervisor

import (
	"fmt"
	"strconv"
)

// Kind says which siblings a failure touches. The names and meanings are
// Erlang/OTP's.
//
// The kind also decides how the runtime keeps restart History: one History
// per child for KindOneForOne, since each child fails and restarts on its
// own; one History per parent, shared by all its children, for
// KindAllForOne and KindRestForOne, since there a failure restarts a group
// and it is the group that must not flap.
type Kind uint8

const (
	// KindOneForOne restarts only the child that failed.
	KindOneForOne Kind = iota
	// KindAllForOne restarts every child of the parent when one fails, for
	// children that cannot work without each other.
	KindAllForOne
	// KindRestForOne restarts the failed child and every child spawned
	// after it, for pipelines where later children depend on earlier ones.
	KindRestForOne
)

// String returns the kind's name as OTP writes it ("one_for_one",
// "all_for_one", "rest_for_one"), or "Kind(n)" for a value that is not one.
func (k Kind) String() string {
	switch k {
	case KindOneForOne:
		return "one_for_one"
	case KindAllForOne:
		return "all_for_one"
	case KindRestForOne:
		return "rest_for_one"
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// Affected tells which of a parent's n children a restart of child number
// failed touches, as the half-open range [lo, hi) of spawn-order indices:
//
//	KindOneForOne   [failed, failed+1)
//	KindAllForOne   [0, n)
//	KindRestForOne  [failed, n)
//
// The runtime stops the affected children in reverse spawn order and starts
// them again in spawn order, so a child never runs without the siblings
// spawned before it. Only Restart touches siblings, as in OTP: Resume and
// Stop concern the failed child alone, and Escalate hands up the parent.
// Affected panics if n < 1 or failed is not in [0, n): the runtime asked
// about a child it does not have.
func (s *Strategy) Affected(n, failed int) (lo, hi int) {
	if n < 1 || failed < 0 || failed >= n {
		panic(fmt.Sprintf("supervisor: Affected(%d, %d): failed child not in [0, %d)", n, failed, n))
	}
	switch s.kind {
	case KindAllForOne:
		return 0, n
	case KindRestForOne:
		return failed, n
	}
	return failed, failed + 1
}
