package cluster

import (
	"fmt"
	"strings"

	"github.com/troupe-go/troupe/actor"
)

// Limits on an identity, so that its actor's name fits every frame and log
// line it travels in.
const (
	// MaxKindLen is the longest Kind, in bytes.
	MaxKindLen = 64
	// MaxNameLen is the longest Name, in bytes.
	MaxNameLen = 192
)

// ID names a virtual actor (a grain): Kind says which producer makes it,
// Name which one of that kind it is. Any member computes the owner of an ID
// from its own view; no registry is kept.
type ID struct {
	Kind string
	Name string
}

// String returns "kind/name".
func (id ID) String() string { return id.Kind + "/" + id.Name }

// validate reports why id cannot name a grain.
func (id ID) validate() error {
	switch {
	case id.Kind == "" || len(id.Kind) > MaxKindLen:
		return fmt.Errorf("%w: kind of %d bytes, want 1 to %d", ErrInvalidID, len(id.Kind), MaxKindLen)
	case strings.ContainsRune(id.Kind, '/'):
		return fmt.Errorf("%w: kind %q contains '/'", ErrInvalidID, id.Kind)
	case id.Name == "" || len(id.Name) > MaxNameLen:
		return fmt.Errorf("%w: name of %d bytes, want 1 to %d", ErrInvalidID, len(id.Name), MaxNameLen)
	}
	return nil
}

// grainPrefix starts the actor name of every grain, so that a grain never
// takes the name of an actor the program spawned itself.
const grainPrefix = "grain:"

// actorName is the ID of id's activation in its owner's System: fixed, so
// that a PID can be built without asking, and a second activation on the
// same member is refused (actor.ErrNameTaken).
func actorName(id ID) string { return grainPrefix + id.Kind + "/" + id.Name }

// parseActorName is actorName's inverse; ok is false for any other name.
func parseActorName(s string) (id ID, ok bool) {
	rest, ok := strings.CutPrefix(s, grainPrefix)
	if !ok {
		return ID{}, false
	}
	kind, name, ok := strings.Cut(rest, "/")
	if !ok {
		return ID{}, false
	}
	id = ID{Kind: kind, Name: name}
	return id, id.validate() == nil
}

// IdentityOf returns the identity of the grain whose PID is pid, and false
// for any other actor. A grain calls it with its own PID (c.Self()) to
// learn which identity it is, for instance to load its state.
func IdentityOf(pid actor.PID) (ID, bool) { return parseActorName(pid.ID) }
