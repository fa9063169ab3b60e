package supervisor

import "strconv"

// RestartType says which endings of a child call for a new instance, with
// the meanings of Erlang/OTP's child restart types.
type RestartType uint8

const (
	// Permanent children are always restarted: after a failure, and also
	// when they stop of their own accord, because a permanent child is
	// meant to run for as long as its parent does.
	Permanent RestartType = iota
	// Transient children are restarted after a failure only; a child that
	// finishes its work and stops normally stays stopped.
	Transient
	// Temporary children are never restarted: a Restart directive for one
	// becomes Stop. Use it for one-off work whose failure is reported, not
	// retried.
	Temporary
)

// String returns the restart type's lower-case name, or "RestartType(n)" for
// a value that is not one.
func (t RestartType) String() string {
	switch t {
	case Permanent:
		return "permanent"
	case Transient:
		return "transient"
	case Temporary:
		return "temporary"
	}
	return "RestartType(" + strconv.Itoa(int(t)) + ")"
}

func (t RestartType) valid() bool { return t <= Temporary }
