package actor

// PID names an actor. It is a comparable value: use it as a map key, compare
// it with ==, send it in messages. Address is empty for an actor of this
// process and the node's address for a remote one; ID is the name given at
// spawn or a generated uuid. The zero PID names no actor.
type PID struct {
	Address string
	ID      string
}

// IsZero reports whether p is the zero PID.
func (p PID) IsZero() bool { return p == PID{} }

// IsLocal reports whether p names an actor of this process.
func (p PID) IsLocal() bool { return p.Address == "" }

// String returns "ID" for a local PID and "ID@Address" for a remote one.
func (p PID) String() string {
	if p.Address == "" {
		return p.ID
	}
	return p.ID + "@" + p.Address
}
