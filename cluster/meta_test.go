package cluster

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestMetaRoundTrip(t *testing.T) {
	for _, m := range []meta{
		{Addr: "127.0.0.1:7001", Incarnation: 1},
		{Addr: "10.0.0.1:7001", Incarnation: 1<<64 - 1, Kinds: []string{"a", "room", "user"}},
		{Leaving: true, Addr: "10.0.0.1:7001", Incarnation: 3, Kinds: []string{"a"}},
	} {
		b, err := m.encode()
		if err != nil {
			t.Fatal(err)
		}
		got, err := decodeMeta(b)
		if err != nil || got.Addr != m.Addr || got.Leaving != m.Leaving || got.Incarnation != m.Incarnation || !slices.Equal(got.Kinds, m.Kinds) {
			t.Fatalf("decode(encode(%+v)) = %+v, %v", m, got, err)
		}
	}
}

func TestMetaTooLarge(t *testing.T) {
	var kinds []string
	for i := range 10 {
		kinds = append(kinds, strings.Repeat(string(rune('a'+i)), MaxKindLen))
	}
	_, err := (&meta{Addr: "127.0.0.1:1", Incarnation: 1, Kinds: kinds}).encode()
	if !errors.Is(err, ErrInvalidConfig) {
		t.Fatalf("640 bytes of kinds: %v, want ErrInvalidConfig", err)
	}
}

func TestMetaMalformed(t *testing.T) {
	good, _ := (&meta{Addr: "a:1", Incarnation: 7, Kinds: []string{"k"}}).encode()
	cases := map[string][]byte{
		"nil":             nil,
		"version":         append([]byte{2}, good[1:]...),
		"truncated":       good[:len(good)-1],
		"trailing":        append(slices.Clone(good), 0),
		"unknown flag":    append([]byte{1, 2}, good[2:]...),
		"huge addr len":   {1, 0, 0xff, 0xff, 0xff, 0xff, 0x0f},
		"empty addr":      {1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0},
		"huge kind count": append(append([]byte{1, 0, 3, 'a', ':', '1'}, make([]byte, 8)...), 0xff, 0xff, 0xff, 0xff, 0x0f),
		"unsorted":        mustEncode(t, meta{Addr: "a:1", Kinds: []string{"b", "a"}}),
		"oversized":       append([]byte{1, 0}, make([]byte, metaMaxSize)...),
		// Found by FuzzDecodeMeta: 0 kinds written as 0x80 0x00.
		"long varint count": append(append([]byte{1, 0, 3, 'a', ':', '1'}, make([]byte, 8)...), 0x80, 0x00),
		"long varint len":   {1, 0, 0x83, 0x00, 'a', ':', '1', 0, 0, 0, 0, 0, 0, 0, 0, 0},
	}
	for name, b := range cases {
		if _, err := decodeMeta(b); !errors.Is(err, errMeta) {
			t.Errorf("%s: %v, want errMeta", name, err)
		}
	}
}

func mustEncode(t *testing.T, m meta) []byte {
	b, err := m.encode()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func FuzzDecodeMeta(f *testing.F) {
	good, _ := (&meta{Addr: "a:1", Incarnation: 7, Kinds: []string{"k", "z"}}).encode()
	f.Add(good)
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := decodeMeta(b)
		if err != nil {
			return
		}
		again, err := m.encode()
		if err != nil || string(again) != string(b) {
			t.Fatalf("decoded %+v, re-encoded %x != %x (%v)", m, again, b, err)
		}
	})
}
