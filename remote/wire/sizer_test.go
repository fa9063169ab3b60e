package wire_test

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/troupe-go/troupe/remote/wire"
)

// Types a Sizer weighs, and types it leaves to an encoding.
type (
	sizedTagged struct {
		N    int
		Tags []string
	}
	sizedInner struct{ A, B string }
	sizedAll   struct {
		Bytes  []byte
		Array  [3]uint16
		Map    map[string]*sizedInner
		Ptr    *sizedInner
		Nested []map[int8][]float32
		sizedInner
		Tagged string `msgpack:"t"`
		hidden chan int
	}
	sizedList struct {
		V    int
		Next *sizedList
	}
	withAny  struct{ V any }
	withTime struct{ T time.Time }
	withChan struct{ C chan int }
)

// A Sizer's bound is never under what msgpack writes; types it cannot
// weigh by kind have none.
func TestSizer(t *testing.T) {
	long := strings.Repeat("y", 70000)
	values := []any{
		sizedTagged{}, sizedTagged{N: -1 << 60, Tags: []string{"", "a", long}},
		sizedAll{}, sizedAll{
			Bytes: []byte(long), Array: [3]uint16{1, 300, 65535},
			Map:        map[string]*sizedInner{"x": {A: long}, "nil": nil},
			Ptr:        &sizedInner{B: "b"},
			Nested:     []map[int8][]float32{{-1: {1.5, -2}}, nil},
			sizedInner: sizedInner{A: "inline"}, Tagged: long,
		},
		sizedList{V: 1, Next: &sizedList{V: 2, Next: &sizedList{V: 1 << 40}}},
		"a string", []byte{1, 2, 3}, 3.5, int64(-7), true,
	}
	e := wire.NewEncoder(0)
	for _, v := range values {
		s := wire.NewSizer(reflect.TypeOf(v))
		if s == nil {
			t.Fatalf("no Sizer for %T", v)
		}
		p, err := e.EncodePayload(v)
		if err != nil {
			t.Fatal(err)
		}
		if n := s.MaxSize(v); n < p.Len() {
			t.Fatalf("MaxSize of %T is %d, under the %d bytes written", v, n, p.Len())
		}
		if n := s.MaxSize(struct{}{}); n != -1 {
			t.Fatalf("MaxSize of another type = %d", n)
		}
	}
	for _, v := range []any{withAny{}, withTime{}, withChan{}, time.Time{}, nil} {
		if s := wire.NewSizer(reflect.TypeOf(v)); s != nil {
			t.Fatalf("a Sizer for %T", v)
		}
	}
	deep := &sizedList{}
	for range 100 {
		deep = &sizedList{Next: deep}
	}
	if n := wire.NewSizer(reflect.TypeOf(deep)).MaxSize(deep); n != -1 {
		t.Fatalf("MaxSize of a list nested 100 deep = %d, want -1", n)
	}
}
