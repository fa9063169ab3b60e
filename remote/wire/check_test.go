package wire_test

import (
	"bytes"
	"errors"
	"runtime"
	"testing"
	"time"

	"github.com/troupe-go/troupe/remote/wire"
	"github.com/vmihailenco/msgpack/v5"
)

func TestCheckAccepts(t *testing.T) {
	values := []any{
		nil, true, false, 0, 127, -1, -32, -33, 200, 70000, 1 << 40, -1 << 40,
		float32(1.5), 2.5, "", "short", string(make([]byte, 40)), string(make([]byte, 300)), string(make([]byte, 70000)),
		[]byte{}, []byte{1, 2}, make([]byte, 300), make([]byte, 70000),
		[]any{}, []any{1, "a", nil}, make([]int, 20), make([]int, 70000),
		map[string]any{}, map[string]any{"a": 1, "b": []any{1, 2}}, make(map[string]int),
		time.Unix(1700000000, 5), time.Unix(1<<40, 0), time.Unix(1, 0),
		msgpack.RawMessage{0xd4, 0x01, 0x02},             // fixext 1
		msgpack.RawMessage{0xc7, 0x00, 0x05},             // ext 8 of no data
		msgpack.RawMessage{0xc8, 0x00, 0x01, 0x05, 0xff}, // ext 16
	}
	for _, v := range values {
		b, err := msgpack.Marshal(v)
		if err != nil {
			t.Fatalf("%#v: %v", v, err)
		}
		if err := wire.Check(b); err != nil {
			t.Errorf("Check(%T % x...) = %v", v, b[:min(len(b), 8)], err)
		}
	}
}

// nest returns n nested fixarrays of one element around a nil.
func nest(n int) []byte {
	b := bytes.Repeat([]byte{0x91}, n)
	return append(b, 0xc0)
}

func TestCheckRefuses(t *testing.T) {
	cases := []struct {
		name string
		in   []byte
	}{
		{"empty", nil},
		{"map32 header, no data", []byte{0xdf, 0xff, 0xff, 0xff, 0xff}},
		{"array32 header, no data", []byte{0xdd, 0xff, 0xff, 0xff, 0xff}},
		{"bin32 header, no data", []byte{0xc6, 0xff, 0xff, 0xff, 0xff}},
		{"str32 header, no data", []byte{0xdb, 0xff, 0xff, 0xff, 0xff}},
		{"ext32 header, no data", []byte{0xc9, 0xff, 0xff, 0xff, 0xff, 0x01}},
		{"map16 over the bytes left", []byte{0xde, 0x00, 0x02, 0x01, 0x02, 0x03}},
		{"array16 over the bytes left", []byte{0xdc, 0x00, 0x04, 0x01, 0x02, 0x03}},
		{"fixmap over the bytes left", []byte{0x81, 0x01}},
		{"fixarray over the bytes left", []byte{0x93, 0x01, 0x02}},
		{"truncated array16 count", []byte{0xdc, 0x00}},
		{"truncated str8 length", []byte{0xd9}},
		{"truncated fixstr", []byte{0xa5, 'a', 'b'}},
		{"truncated bin8", []byte{0xc4, 0x03, 0x01}},
		{"truncated uint64", []byte{0xcf, 0, 0, 0}},
		{"truncated float64", []byte{0xcb, 0, 0}},
		{"truncated fixext16", append([]byte{0xd8, 0x01}, make([]byte, 15)...)},
		{"ext8 type byte missing", []byte{0xc7, 0x00}},
		{"ext8 data short", []byte{0xc7, 0x02, 0x01, 0xaa}},
		{"0xc1 alone", []byte{0xc1}},
		{"0xc1 in an array", []byte{0x92, 0x01, 0xc1}},
		{"0xc1 as a map key", []byte{0x81, 0xc1, 0x01}},
		{"trailing byte", []byte{0x01, 0x02}},
		{"trailing bytes after an array", []byte{0x91, 0x01, 0xc0, 0xc0}},
		{"two values", []byte{0xa1, 'a', 0xa1, 'b'}},
		{"65 levels", nest(65)},
		{"65 levels, empty innermost", append(bytes.Repeat([]byte{0x91}, 64), 0x90)},
		{"100k levels", nest(100_000)},
		{"100k levels, truncated", bytes.Repeat([]byte{0x91}, 100_000)},
		{"map nesting, 65 levels", append(bytes.Repeat([]byte{0x81, 0x01}, 65), 0x01)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := wire.Check(c.in)
			if !errors.Is(err, wire.ErrMalformed) {
				t.Fatalf("Check = %v, want ErrMalformed", err)
			}
		})
	}
}

func TestCheckDepth(t *testing.T) {
	if err := wire.Check(nest(wire.MaxDepth)); err != nil {
		t.Errorf("%d levels: %v", wire.MaxDepth, err)
	}
	if err := wire.Check(append(bytes.Repeat([]byte{0x91}, wire.MaxDepth-1), 0x90)); err != nil {
		t.Errorf("%d levels, empty innermost: %v", wire.MaxDepth, err)
	}
	err := wire.Check(nest(wire.MaxDepth + 1))
	if !errors.Is(err, wire.ErrTooDeep) || !errors.Is(err, wire.ErrMalformed) {
		t.Errorf("%d levels: %v, want ErrTooDeep and ErrMalformed", wire.MaxDepth+1, err)
	}
}

// TestCheckBombsAreCheap checks that the bombs are refused at once, in
// bounded memory, and that 100k levels of nesting use no deep recursion:
// Check runs in a goroutine whose stack would have to grow (and would be
// seen to) if it recursed per level.
func TestCheckBombsAreCheap(t *testing.T) {
	bombs := [][]byte{
		{0xdf, 0xff, 0xff, 0xff, 0xff},
		{0xdd, 0xff, 0xff, 0xff, 0xff},
		{0xc6, 0xff, 0xff, 0xff, 0xff},
		{0xdb, 0xff, 0xff, 0xff, 0xff},
		{0xc9, 0xff, 0xff, 0xff, 0xff, 0x01},
		nest(100_000),
		nest(10_000_000),
	}
	for _, b := range bombs {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		start := time.Now()
		err := wire.Check(b)
		elapsed := time.Since(start)
		runtime.ReadMemStats(&after)
		if err == nil {
			t.Fatalf("Check(% x...) accepted a bomb", b[:5])
		}
		if grown := after.TotalAlloc - before.TotalAlloc; grown > 64<<10 {
			t.Errorf("Check(% x...) allocated %d bytes", b[:5], grown)
		}
		if elapsed > time.Second {
			t.Errorf("Check(% x...) took %v", b[:5], elapsed)
		}
	}

	// A recursive walker would need about 100k frames here; Check's stack
	// stays at its fixed size whatever the depth.
	var stackBefore, stackAfter runtime.MemStats
	runtime.ReadMemStats(&stackBefore)
	done := make(chan error)
	go func() { done <- wire.Check(nest(100_000)) }()
	if err := <-done; !errors.Is(err, wire.ErrTooDeep) {
		t.Errorf("100k levels: %v, want ErrTooDeep", err)
	}
	runtime.ReadMemStats(&stackAfter)
	if grown := int64(stackAfter.StackInuse) - int64(stackBefore.StackInuse); grown > 1<<20 {
		t.Errorf("stack in use grew by %d bytes", grown)
	}
}

func TestCheckAllocatesNothing(t *testing.T) {
	b, _ := msgpack.Marshal(map[string]any{"a": []any{1, "x", 2.5, map[string]any{"b": nil}}})
	if n := testing.AllocsPerRun(100, func() { _ = wire.Check(b) }); n != 0 {
		t.Errorf("Check allocates %v times per run", n)
	}
}

// TestWalkFromOffset checks the value-skipping form Check is built on.
func TestWalkFromOffset(t *testing.T) {
	b := []byte{0x01, 0x92, 0xa1, 'x', 0x81, 0x01, 0x02, 0xff}
	end, err := wire.Walk(b, 1, wire.MaxDepth)
	if err != nil || end != 7 {
		t.Errorf("Walk = %d, %v; want 7, nil", end, err)
	}
	if _, err := wire.Walk(b, 1, 1); !errors.Is(err, wire.ErrTooDeep) {
		t.Errorf("Walk at depth 1 = %v, want ErrTooDeep", err)
	}
}

func BenchmarkCheck(b *testing.B) {
	e := wire.NewEncoder(0)
	if err := e.AppendMessage(&wire.Message{Target: "ponger", Sender: "pinger", Type: "main.Ping"}, Ping{N: 1, Text: "hi"}); err != nil {
		b.Fatal(err)
	}
	frame := e.Bytes()[4:]
	b.SetBytes(int64(len(frame)))
	b.ReportAllocs()
	for b.Loop() {
		if err := wire.Check(frame); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCheckDeepBomb is Check on 100k nested arrays: refused at level
// 65, whatever the depth declared.
func BenchmarkCheckDeepBomb(b *testing.B) {
	bomb := nest(100_000)
	b.ReportAllocs()
	for b.Loop() {
		if err := wire.Check(bomb); err == nil {
			b.Fatal("accepted")
		}
	}
}
