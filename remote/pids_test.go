package remote_test

import (
	"testing"

	"github.com/troupe-go/troupe/actor"
	"github.com/troupe-go/troupe/remote"
)

// tree holds PIDs everywhere a registered type can, recursively.
type tree struct {
	Self   actor.PID
	Kids   []*tree
	ByPID  map[actor.PID]string
	ToPID  map[string]actor.PID
	Pair   [2]actor.PID
	Opaque any       // carried as it is
	hidden actor.PID // not encoded: left alone
}

func TestPIDRenaming(t *testing.T) {
	const from, self = "a:1", "b:1"
	mine := actor.PID{Address: self, ID: "mine"}
	theirs := actor.PID{ID: "theirs"} // the sender's own actor
	third := actor.PID{Address: "c:1", ID: "third"}
	v := tree{
		Self:   theirs,
		Kids:   []*tree{{Self: mine}, nil, {Pair: [2]actor.PID{third, {}}}},
		ByPID:  map[actor.PID]string{theirs: "t", mine: "m"},
		ToPID:  map[string]actor.PID{"t": theirs},
		Opaque: theirs,
		hidden: theirs,
	}
	remote.FixPIDs(&v, from, self)
	at := func(p actor.PID, addr string) actor.PID { p.Address = addr; return p }
	if v.Self != at(theirs, from) || v.Kids[0].Self != at(mine, "") || v.Kids[1] != nil ||
		v.Kids[2].Pair != [2]actor.PID{third, {}} {
		t.Fatalf("renamed %+v / %+v / %+v", v.Self, *v.Kids[0], *v.Kids[2])
	}
	if v.ByPID[at(theirs, from)] != "t" || v.ByPID[at(mine, "")] != "m" || len(v.ByPID) != 2 {
		t.Fatalf("map keys %v", v.ByPID)
	}
	if v.ToPID["t"] != at(theirs, from) {
		t.Fatalf("map values %v", v.ToPID)
	}
	if v.Opaque != theirs || v.hidden != theirs {
		t.Fatalf("touched what is not renamed: %v %v", v.Opaque, v.hidden)
	}
	// A type with no PID costs nothing: no plan at all.
	p := Ping{N: 1}
	remote.FixPIDs(&p, from, self)
	pid := theirs
	remote.FixPIDs(&pid, from, self)
	if pid != at(theirs, from) {
		t.Fatalf("a bare PID: %v", pid)
	}
}

func TestRegisterMisuse(t *testing.T) {
	types := remote.NewTypes()
	remote.Register[Ping](types, "test.Ping")
	remote.Register[Ping](types, "test.Ping") // again: nothing happens
	for name, f := range map[string]func(){
		"empty name":      func() { remote.Register[Pong](types, "") },
		"name taken":      func() { remote.Register[Pong](types, "test.Ping") },
		"type registered": func() { remote.Register[Ping](types, "other") },
		"interface":       func() { remote.Register[error](types, "error") },
		"nil types":       func() { remote.Register[Pong](nil, "x") },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			f()
		}()
	}
	var zero remote.Types // usable: empty
	remote.Register[Pong](&zero, "test.Pong")
	if n := zero.Names(); len(n) != 1 || n[0] != "test.Pong" {
		t.Fatalf("Names = %v", n)
	}
}
