package main

import (
	"github.com/troupe-go/troupe/benchmarks/bench"
	"github.com/troupe-go/troupe/benchmarks/gevent"
	"github.com/troupe-go/troupe/benchmarks/netloop"
	"github.com/troupe-go/troupe/benchmarks/protoactor"
	"github.com/troupe-go/troupe/benchmarks/troupe"
)

// frameworks lists what is measured, troupe first: every ratio is to it.
// To add a framework, write a package that implements bench.Framework
// (embed bench.Unsupported for what it lacks) and add it here.
func frameworks(python string) []bench.Framework {
	return []bench.Framework{
		troupe.Framework{},
		protoactor.Framework{},
		gevent.New(python),
		netloop.Framework{},
	}
}

// notMeasured names the peers that could not be measured here, and why.
var notMeasured = []struct{ name, why string }{
	{"Hollywood (github.com/anthdm/hollywood)", "the Go module proxy reachable here refuses it (403, “This module version is not available”)"},
	{"Ergo (ergo.services/ergo)", "the Go module proxy reachable here refuses it (403, “This module version is not available”)"},
}

// targets are issue 13's goals, raised by issue 21 for the local
// workloads (idle memory's goal there is absolute: 500 B), as troupe's lead over a peer: the peer's
// figure divided by troupe's, or troupe's by the peer's, whichever makes
// more than 1 mean that troupe is ahead.
var targets = map[[2]string]float64{
	{"oneway", "protoactor"}:      1.5,
	{"plain", "protoactor"}:       1.5,
	{"fanin", "protoactor"}:       2,
	{"pingpong", "protoactor"}:    1.5,
	{"pidpingpong", "protoactor"}: 1.5,
	{"pingpong1", "gevent"}:       20,
	{"request", "protoactor"}:     5,
	{"spawn", "protoactor"}:       2,
	{"idle", "protoactor"}:        1,
	{"remote1", "protoactor"}:     2,
	{"remote2", "protoactor"}:     2,
	{"remotereq", "protoactor"}:   3,
	{"echo", "net"}:               0.95,
	{"echo", "gevent"}:            2.5,
}
