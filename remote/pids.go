package remote

import (
	"reflect"

	"github.com/troupe-go/troupe/actor"
)

// PIDs inside payloads.
//
// A node sends the PIDs inside a payload as they are: a PID of one of its
// own actors has an empty Address. On the wire an empty Address therefore
// means "the node that sent this frame". The receiving node renames them
// once the payload is decoded: an empty Address becomes the sender's
// address, and its own address becomes empty, so that a PID of its own
// actor arrives local. The sender pays nothing; the receiver walks only
// the types that can hold a PID, and only the parts of them that can.
// Register works out which parts, once, by reflection.

// pidRewrite renames the PIDs of a payload that came from node from to
// node self.
type pidRewrite struct{ from, self string }

// pid renames one PID. The zero PID (no ID) names no actor and stays so.
func (rw pidRewrite) pid(p *actor.PID) {
	if p.ID == "" {
		return
	}
	switch p.Address {
	case "":
		p.Address = rw.from
	case rw.self:
		p.Address = ""
	}
}

// A fixer renames the PIDs inside a value of one type, which must be
// addressable. Its fn is set once the plan of the type is complete, so
// that a recursive type can refer to its own fixer.
type fixer struct {
	fn func(v reflect.Value, rw pidRewrite)
}

func (f *fixer) apply(v reflect.Value, rw pidRewrite) { f.fn(v, rw) }

var pidType = reflect.TypeFor[actor.PID]()

// pidPlan returns the fixer of t, or nil if no value of t can hold a PID
// outside an interface.
func pidPlan(t reflect.Type) *fixer {
	p := planner{built: map[reflect.Type]*fixer{}}
	return p.plan(t)
}

type planner struct {
	built map[reflect.Type]*fixer
}

func (p *planner) plan(t reflect.Type) *fixer {
	if f, ok := p.built[t]; ok {
		return f
	}
	if !holdsPID(t, map[reflect.Type]bool{}) {
		p.built[t] = nil
		return nil
	}
	f := &fixer{}
	p.built[t] = f
	switch t.Kind() {
	case reflect.Struct:
		if t == pidType {
			f.fn = func(v reflect.Value, rw pidRewrite) { rw.pid(v.Addr().Interface().(*actor.PID)) }
			break
		}
		type field struct {
			index int
			fix   *fixer
		}
		var fields []field
		for i := range t.NumField() {
			sf := t.Field(i)
			if !sf.IsExported() {
				continue // msgpack neither encodes nor decodes it
			}
			if c := p.plan(sf.Type); c != nil {
				fields = append(fields, field{i, c})
			}
		}
		f.fn = func(v reflect.Value, rw pidRewrite) {
			for _, fd := range fields {
				fd.fix.fn(v.Field(fd.index), rw)
			}
		}
	case reflect.Pointer:
		elem := p.plan(t.Elem())
		f.fn = func(v reflect.Value, rw pidRewrite) {
			if !v.IsNil() {
				elem.fn(v.Elem(), rw)
			}
		}
	case reflect.Slice, reflect.Array:
		elem := p.plan(t.Elem())
		f.fn = func(v reflect.Value, rw pidRewrite) {
			for i := range v.Len() {
				elem.fn(v.Index(i), rw)
			}
		}
	case reflect.Map:
		key, elem := p.plan(t.Key()), p.plan(t.Elem())
		f.fn = func(v reflect.Value, rw pidRewrite) { fixMap(v, key, elem, rw) }
	}
	return f
}

// fixMap renames the PIDs in the keys and values of a map. Map entries are
// not addressable: each is copied, fixed and stored back; when keys hold
// PIDs, the map is rebuilt.
func fixMap(v reflect.Value, key, elem *fixer, rw pidRewrite) {
	if v.Len() == 0 {
		return
	}
	t := v.Type()
	if key == nil {
		e := reflect.New(t.Elem()).Elem()
		for it := v.MapRange(); it.Next(); {
			e.Set(it.Value())
			elem.fn(e, rw)
			v.SetMapIndex(it.Key(), e) // an existing key: the iteration is unaffected
		}
		return
	}
	m := reflect.MakeMapWithSize(t, v.Len())
	for it := v.MapRange(); it.Next(); {
		k := reflect.New(t.Key()).Elem()
		k.Set(it.Key())
		key.fn(k, rw)
		e := reflect.New(t.Elem()).Elem()
		e.Set(it.Value())
		if elem != nil {
			elem.fn(e, rw)
		}
		m.SetMapIndex(k, e)
	}
	v.Set(m)
}

// holdsPID reports whether a value of t can hold an actor.PID outside an
// interface. seen breaks the cycles of recursive types.
func holdsPID(t reflect.Type, seen map[reflect.Type]bool) bool {
	if t == pidType {
		return true
	}
	if seen[t] {
		return false
	}
	seen[t] = true
	switch t.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Array:
		return holdsPID(t.Elem(), seen)
	case reflect.Map:
		return holdsPID(t.Key(), seen) || holdsPID(t.Elem(), seen)
	case reflect.Struct:
		for i := range t.NumField() {
			if sf := t.Field(i); sf.IsExported() && holdsPID(sf.Type, seen) {
				return true
			}
		}
	}
	return false
}
