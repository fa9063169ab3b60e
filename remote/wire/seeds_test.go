package wire_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/troupe-go/troupe/remote/wire"
	"github.com/vmihailenco/msgpack/v5"
)

// fuzzSeeds returns the seed inputs of each fuzz target: the spec's
// vectors, one frame of each type, and the msgpack bombs.
func fuzzSeeds(tb testing.TB) map[string][][]any {
	tb.Helper()
	e := wire.NewEncoder(0)
	frames := map[string][]byte{}
	add := func(name string, err error) {
		if err != nil {
			tb.Fatalf("seed %s: %v", name, err)
		}
		frames[name] = bytes.Clone(e.Bytes())
		e.Reset()
	}
	add("message", e.AppendMessage(&wire.Message{Target: "ponger", Sender: "pinger", RequestID: 7, Type: "main.Ping"}, Ping{N: 1, Text: "hi"}))
	add("message-registered", e.AppendMessage(&wire.Message{Target: "t", Type: "Registered"}, Registered{
		N: -5, U: 7, F: 1.5, S: "s", B: []byte{1}, L: []string{"a"}, M: map[string]int{"k": 1},
		P: &Registered{N: 1}, T: time.Unix(1700000000, 0), A: [3]int{1, 2, 3}, Any: []any{1, "x"},
	}))
	add("message-deep", e.AppendMessage(&wire.Message{Target: "t", Type: "deep"}, deep(wire.MaxDepth-3)))
	add("reply", e.AppendReply(&wire.Reply{RequestID: 7, Type: "main.Pong"}, Pong{N: 2}))
	add("reply-error", e.AppendReply(&wire.Reply{RequestID: 8, Code: wire.CodeNotFound, Error: "not found"}, nil))
	add("watch", e.AppendWatch(&wire.Watch{Target: "a", Watcher: "b"}))
	add("unwatch", e.AppendUnwatch(&wire.Watch{Target: "a", Watcher: "b"}))
	add("terminated", e.AppendTerminated(&wire.Terminated{Actor: "a", Watcher: "b", Code: wire.CodePanic, Reason: "boom"}))
	add("stop", e.AppendStop(&wire.Stop{Target: "a", Mode: wire.ModePoison}))
	add("spawn", e.AppendSpawn(&wire.Spawn{RequestID: 3, Kind: "worker", Name: "w1"}))
	add("spawned", e.AppendSpawned(&wire.Spawned{RequestID: 3, Actor: "w1"}))
	add("heartbeat", e.AppendHeartbeat())
	add("close", e.AppendClose(&wire.Close{Reason: "bye"}))
	add("ack", e.AppendAck(&wire.Ack{Count: 300}))
	add("hello", e.AppendHello(&wire.Hello{Addr: addrI, Incarnation: incI, Nonce: nonceI}))
	add("refuse", e.AppendRefuse(&wire.Refuse{Code: wire.CodeVersionMismatch, Reason: "1"}))

	bombs := [][]byte{
		{0xdf, 0xff, 0xff, 0xff, 0xff},
		{0xdd, 0xff, 0xff, 0xff, 0xff},
		{0xc6, 0xff, 0xff, 0xff, 0xff},
		{0xdb, 0xff, 0xff, 0xff, 0xff},
		{0xc9, 0xff, 0xff, 0xff, 0xff, 0x01},
		append(bytes.Repeat([]byte{0x91}, 200), 0xc0),
		{0x92, 0x01, 0xc1},
		{0x01, 0x02},
	}
	values := []any{
		map[string]any{"a": []any{1, "b", nil, true, 2.5, []byte{1}}},
		time.Unix(1700000000, 1),
		msgpack.RawMessage{0xd6, 0xff, 0, 0, 0, 1},    // timestamp 32
		msgpack.RawMessage{0xc7, 0x01, 0x05, 0xaa},    // unknown ext
		msgpack.RawMessage{0x81, 0x91, 0x01, 0x02},    // map with an array key
		msgpack.RawMessage{0x81, 0xc4, 0x01, 0x00, 1}, // map with a bin key
		Registered{S: "x", M: map[string]int{"a": 1}},
	}

	var session []byte
	for _, name := range []string{"message", "reply", "reply-error", "watch", "unwatch", "terminated", "stop", "spawn", "spawned", "heartbeat", "close"} {
		session = append(session, frames[name]...)
	}

	// The spec's handshake, each side's half.
	ci, ca := vectorConfigs()
	_, _, wroteI, wroteA := runHandshakeTB(tb, ci, ca)

	seeds := map[string][][]any{}
	seeds["FuzzReadFrame"] = [][]any{
		{session},
		{frames["message-registered"]},
		{frames["message-deep"]},
		{append(frames["hello"], frames["refuse"]...)},
		{frames["message"][:len(frames["message"])-3]},
		{[]byte("GET / HTTP/1.1\r\n\r\n")},
	}
	for _, b := range bombs {
		seeds["FuzzReadFrame"] = append(seeds["FuzzReadFrame"], []any{frameOf(append([]byte{0x92, 0x10}, b...)...)})
		seeds["FuzzCheckDecode"] = append(seeds["FuzzCheckDecode"], []any{b})
	}
	for _, v := range values {
		b, err := msgpack.Marshal(v)
		if err != nil {
			tb.Fatal(err)
		}
		seeds["FuzzCheckDecode"] = append(seeds["FuzzCheckDecode"], []any{b})
	}
	for _, name := range []string{"message", "reply", "hello", "message-registered"} {
		seeds["FuzzCheckDecode"] = append(seeds["FuzzCheckDecode"], []any{frames[name][4:]})
	}
	// A confirmation, each side's half.
	ci, ca = vectorConfigs()
	ca.Confirmed = func(addr string, n wire.Nonce) bool { return n == wire.Nonce(seq(0x61, 32)) }
	_, _, confirmI, confirmA := runConfirmTB(tb, ci, ca, wire.Nonce(seq(0x61, 32)))
	seeds["FuzzConfirm"] = [][]any{
		{confirmI, false},
		{confirmA, true},
		{wroteI, false},
		{wroteA, true},
		{confirmI[:len(confirmI)-5], false},
	}
	seeds["FuzzHandshake"] = [][]any{
		{wroteI, false},
		{wroteA, true},
		{frames["hello"], false},
		{frames["refuse"], true},
		{[]byte("GET / HTTP/1.1\r\n\r\n"), false},
		{wroteI[:len(wroteI)-5], false},
	}
	return seeds
}
