package remote

import (
	"fmt"
	"reflect"
	"sync"
	"sync/atomic"

	"github.com/troupe-go/troupe/actor"
	"github.com/troupe-go/troupe/remote/wire"
)

// Types is a registry of the message types that may cross the wire, each
// under a name that both nodes agree on. It is a value, passed to Start in
// Config.Types: there is no package-level table, so two nodes with
// different registries can live in one process.
//
// A message whose type is not registered is refused at the sender
// (ErrUnknownType). A frame naming a type the receiver has not registered
// becomes a dead letter there and fails its request. Payloads are decoded
// only into the registered concrete type, never into interface{}.
//
// The zero Types is empty and ready to use; NewTypes adds the built-in
// types. Registering is safe at any time, also while nodes use the
// registry; looking a type up takes no lock.
type Types struct {
	mu  sync.Mutex // serialises Register
	tab atomic.Pointer[typeTable]
}

// typeTable is one immutable version of the registry: Register copies it.
type typeTable struct {
	byName map[string]*typeInfo
	byType map[reflect.Type]*typeInfo
}

// typeInfo is what the node knows of one registered type.
type typeInfo struct {
	name string
	typ  reflect.Type
	// codec encodes and decodes the type without msgpack's reflection, if
	// it is a plain struct (wire.PlainCodec); nil otherwise.
	codec *wire.PlainCodec
	// sizer weighs a value of a type that is not plain without encoding
	// it, if it can be (wire.Sizer); nil otherwise.
	sizer *wire.Sizer
	// decode decodes a payload into a new value of the type and gives
	// the PIDs inside it the addresses they have on this node.
	decode func(d *wire.Decoder, p []byte, rw pidRewrite) (any, error)
}

// NewTypes returns a registry that holds the built-in types, under their
// Go names: string, bool, int, int64, uint64, float64, []byte (as
// "[]byte") and actor.PID (as "actor.PID").
func NewTypes() *Types {
	t := new(Types)
	Register[string](t, "string")
	Register[bool](t, "bool")
	Register[int](t, "int")
	Register[int64](t, "int64")
	Register[uint64](t, "uint64")
	Register[float64](t, "float64")
	Register[[]byte](t, "[]byte")
	Register[actor.PID](t, "actor.PID")
	return t
}

// Register adds T to types under name, the name that the frames carry: it
// must be the same on every node that sends or receives T (the Go name,
// such as "chat.Post", is a good choice). Registering the same type under
// the same name again does nothing.
//
// T is encoded with msgpack: exported fields only, structs as maps keyed by
// field name. A plain struct, of numbers, strings and such structs (see
// wire.PlainCodec), is encoded and decoded without msgpack's reflection,
// into the same bytes and the same values. An actor.PID anywhere inside T
// (a field, a slice or map element, behind a pointer) keeps naming the
// same actor on the other node; a PID inside an interface-typed field is
// carried as it is.
//
// Register panics if name is empty, if name is taken by another type, if
// T is registered under another name, or if T is an interface type: these
// are programming errors, as registering an HTTP pattern twice is.
func Register[T any](types *Types, name string) {
	typ := reflect.TypeFor[T]()
	switch {
	case types == nil:
		panic("remote: Register with nil Types")
	case name == "":
		panic(fmt.Sprintf("remote: Register[%v] with an empty name", typ))
	case typ.Kind() == reflect.Interface:
		panic(fmt.Sprintf("remote: Register[%v]: an interface type cannot be decoded into", typ))
	}
	fix := pidPlan(typ)
	codec := wire.NewPlainCodec(typ)
	info := &typeInfo{name: name, typ: typ, codec: codec}
	if codec == nil {
		info.sizer = wire.NewSizer(typ)
	}
	info.decode = func(d *wire.Decoder, p []byte, rw pidRewrite) (any, error) {
		v := new(T)
		if codec == nil || !codec.Decode(p, v) {
			var zero T
			*v = zero // the codec may have written part of it
			if err := d.DecodePayload(p, v); err != nil {
				return nil, err
			}
		}
		if fix != nil {
			fix.apply(reflect.ValueOf(v).Elem(), rw)
		}
		return *v, nil
	}

	types.mu.Lock()
	defer types.mu.Unlock()
	old := types.table()
	if prev, ok := old.byName[name]; ok {
		if prev.typ == typ {
			return
		}
		panic(fmt.Sprintf("remote: Register[%v]: name %q is taken by %v", typ, name, prev.typ))
	}
	if prev, ok := old.byType[typ]; ok {
		panic(fmt.Sprintf("remote: Register[%v] as %q: already registered as %q", typ, name, prev.name))
	}
	next := &typeTable{
		byName: make(map[string]*typeInfo, len(old.byName)+1),
		byType: make(map[reflect.Type]*typeInfo, len(old.byType)+1),
	}
	for k, v := range old.byName {
		next.byName[k] = v
	}
	for k, v := range old.byType {
		next.byType[k] = v
	}
	next.byName[name] = info
	next.byType[typ] = info
	types.tab.Store(next)
}

// emptyTable is the table of a zero Types.
var emptyTable = &typeTable{}

// table returns the current table.
func (t *Types) table() *typeTable {
	if tab := t.tab.Load(); tab != nil {
		return tab
	}
	return emptyTable
}

// Names returns the registered names, in no particular order.
func (t *Types) Names() []string {
	tab := t.table()
	names := make([]string, 0, len(tab.byName))
	for n := range tab.byName {
		names = append(names, n)
	}
	return names
}

// of returns the registration of v's dynamic type, or nil.
func (t *Types) of(v any) *typeInfo {
	return t.table().byType[reflect.TypeOf(v)]
}

// named returns the registration under name, or nil.
func (t *Types) named(name string) *typeInfo {
	return t.table().byName[name]
}
