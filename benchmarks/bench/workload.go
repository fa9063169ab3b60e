package bench

import (
	"context"
	"fmt"
	"time"
)

// Parameters of the workloads; see the Framework methods.
type (
	OneWay struct {
		Senders  int // goroutines sending, each numbered from 0
		Messages int // in all, shared out among the senders
		// Plain sends each message as a bare int, its sequence number,
		// instead of a struct naming its sender: what a first program
		// sends. Plain runs use one sender.
		Plain bool
	}
	PingPong struct {
		Pairs    int // independent pinger/ponger pairs
		Batch    int // pings in flight per pair
		Messages int // pings per pair; as many pongs come back
		// CarryPID puts the pinger's PID in every ping, and the ponger
		// sends its pong to that PID with its own PID inside, as Erlang
		// and Akka programs do, instead of answering with Respond.
		CarryPID bool
	}
	Request struct {
		Requests int // sequential round trips
	}
	Bounded struct {
		Senders   int
		PerSender int
		Capacity  int // the receiving actor's mailbox bound
	}
	Spawn struct {
		Actors int
	}
	RemoteOneWay struct {
		Addr     string // the server process, as its ready line gave it
		Senders  int    // each to its own actor, sink0, sink1, ...
		Messages int    // in all
	}
	RemoteRequest struct {
		Addr     string
		Requests int
	}
	Echo struct {
		Addr     string
		Conns    int
		Duration time.Duration
	}
)

// Sizes are the workloads' sizes for one run: Full as issue 13 asks,
// Quick for a smoke test that keeps every path alive in CI.
type Sizes struct {
	OneWay        OneWay
	Plain         OneWay
	FanIn         OneWay
	PingPong      PingPong
	PIDPingPong   PingPong
	PingPong1     PingPong
	Request       Request
	Bounded       Bounded
	Spawn         Spawn
	Idle          Spawn
	Remote1       RemoteOneWay
	Remote2       RemoteOneWay
	RemoteRequest RemoteRequest
	Echo          Echo
	// Trial bounds one trial, server included.
	Trial time.Duration
}

// Full is the size of a measuring run.
var Full = Sizes{
	OneWay:        OneWay{Senders: 1, Messages: 3_000_000},
	Plain:         OneWay{Senders: 1, Messages: 3_000_000, Plain: true},
	FanIn:         OneWay{Senders: 8, Messages: 3_000_000},
	PingPong:      PingPong{Pairs: 4, Batch: 100, Messages: 1_000_000},
	PIDPingPong:   PingPong{Pairs: 4, Batch: 100, Messages: 1_000_000, CarryPID: true},
	PingPong1:     PingPong{Pairs: 1, Batch: 100, Messages: 1_000_000},
	Request:       Request{Requests: 200_000},
	Bounded:       Bounded{Senders: 100, PerSender: 10_000, Capacity: 1_000},
	Spawn:         Spawn{Actors: 100_000},
	Idle:          Spawn{Actors: 100_000},
	Remote1:       RemoteOneWay{Senders: 1, Messages: 1_000_000},
	Remote2:       RemoteOneWay{Senders: 2, Messages: 1_000_000},
	RemoteRequest: RemoteRequest{Requests: 20_000},
	Echo:          Echo{Conns: 50, Duration: 2 * time.Second},
	Trial:         3 * time.Minute,
}

// Quick runs every path in seconds.
var Quick = Sizes{
	OneWay:        OneWay{Senders: 1, Messages: 30_000},
	Plain:         OneWay{Senders: 1, Messages: 30_000, Plain: true},
	FanIn:         OneWay{Senders: 8, Messages: 30_000},
	PingPong:      PingPong{Pairs: 4, Batch: 100, Messages: 5_000},
	PIDPingPong:   PingPong{Pairs: 4, Batch: 100, Messages: 5_000, CarryPID: true},
	PingPong1:     PingPong{Pairs: 1, Batch: 100, Messages: 5_000},
	Request:       Request{Requests: 2_000},
	Bounded:       Bounded{Senders: 100, PerSender: 100, Capacity: 1_000},
	Spawn:         Spawn{Actors: 2_000},
	Idle:          Spawn{Actors: 2_000},
	Remote1:       RemoteOneWay{Senders: 1, Messages: 10_000},
	Remote2:       RemoteOneWay{Senders: 2, Messages: 10_000},
	RemoteRequest: RemoteRequest{Requests: 300},
	Echo:          Echo{Conns: 50, Duration: 200 * time.Millisecond},
	Trial:         30 * time.Second,
}

// A Workload is one row group of the results: how to run it on a framework
// and how to read its Result.
type Workload struct {
	ID    string // flag value and file key
	Title string
	// What is counted, for the table.
	Unit string
	// Higher says whether a higher Value is better (throughput) or a lower
	// one (latency, memory).
	Higher bool
	// Server names the server process the trial needs ("remote", "echo"),
	// started before Run with its address in the parameters.
	Server string
	// Run runs it once.
	Run func(ctx context.Context, f Framework, s Sizes, addr string) (Result, error)
	// Value is the figure compared.
	Value func(r Result) float64
	// Describe is the workload's size, for the table.
	Describe func(s Sizes) string
}

func rate(r Result) float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Count) / r.Elapsed.Seconds()
}

// Workloads lists the workloads in the order of the results.
func Workloads() []Workload {
	return []Workload{
		{ID: "oneway", Title: "local one-way 1→1", Unit: "msg/s", Higher: true, Value: rate,
			Run: func(ctx context.Context, f Framework, s Sizes, _ string) (Result, error) {
				return f.OneWay(ctx, s.OneWay)
			},
			Describe: func(s Sizes) string { return fmt.Sprintf("%s messages", count(s.OneWay.Messages)) }},
		{ID: "plain", Title: "local one-way 1→1, bare ints", Unit: "msg/s", Higher: true, Value: rate,
			Run: func(ctx context.Context, f Framework, s Sizes, _ string) (Result, error) {
				return f.OneWay(ctx, s.Plain)
			},
			Describe: func(s Sizes) string { return fmt.Sprintf("%s ints, send(pid, i)", count(s.Plain.Messages)) }},
		{ID: "fanin", Title: "local fan-in 8→1", Unit: "msg/s", Higher: true, Value: rate,
			Run: func(ctx context.Context, f Framework, s Sizes, _ string) (Result, error) {
				return f.OneWay(ctx, s.FanIn)
			},
			Describe: func(s Sizes) string {
				return fmt.Sprintf("%d senders, %s messages in all", s.FanIn.Senders, count(s.FanIn.Messages))
			}},
		{ID: "pingpong", Title: "ping-pong, 4 pairs", Unit: "msg/s", Higher: true, Value: rate,
			Run: func(ctx context.Context, f Framework, s Sizes, _ string) (Result, error) {
				return f.PingPong(ctx, s.PingPong)
			},
			Describe: func(s Sizes) string {
				p := s.PingPong
				return fmt.Sprintf("%d pairs, batches of %d, %s each way per pair", p.Pairs, p.Batch, count(p.Messages))
			}},
		{ID: "pidpingpong", Title: "ping-pong carrying PIDs, 4 pairs", Unit: "msg/s", Higher: true, Value: rate,
			Run: func(ctx context.Context, f Framework, s Sizes, _ string) (Result, error) {
				return f.PingPong(ctx, s.PIDPingPong)
			},
			Describe: func(s Sizes) string {
				p := s.PIDPingPong
				return fmt.Sprintf("%d pairs, batches of %d, %s each way per pair; send(m.From, Pong{From: self})", p.Pairs, p.Batch, count(p.Messages))
			}},
		{ID: "pingpong1", Title: "ping-pong, 1 pair", Unit: "msg/s", Higher: true, Value: rate,
			Run: func(ctx context.Context, f Framework, s Sizes, _ string) (Result, error) {
				return f.PingPong(ctx, s.PingPong1)
			},
			Describe: func(s Sizes) string {
				p := s.PingPong1
				return fmt.Sprintf("%d pair, batches of %d, %s each way", p.Pairs, p.Batch, count(p.Messages))
			}},
		{ID: "request", Title: "local request/response", Unit: "µs", Higher: false,
			Value: func(r Result) float64 { return micros(r.Elapsed) / float64(max(r.Count, 1)) },
			Run: func(ctx context.Context, f Framework, s Sizes, _ string) (Result, error) {
				return f.Request(ctx, s.Request)
			},
			Describe: func(s Sizes) string { return fmt.Sprintf("%s sequential, mean", count(s.Request.Requests)) }},
		{ID: "bounded", Title: "100→1, mailbox of 1,000", Unit: "msg/s", Higher: true, Value: rate,
			Run: func(ctx context.Context, f Framework, s Sizes, _ string) (Result, error) {
				return f.Bounded(ctx, s.Bounded)
			},
			Describe: func(s Sizes) string {
				b := s.Bounded
				return fmt.Sprintf("%d senders × %s, capacity %s", b.Senders, count(b.PerSender), count(b.Capacity))
			}},
		{ID: "spawn", Title: "spawn + stop + wait", Unit: "actors/s", Higher: true, Value: rate,
			Run: func(ctx context.Context, f Framework, s Sizes, _ string) (Result, error) {
				return f.SpawnStop(ctx, s.Spawn)
			},
			Describe: func(s Sizes) string { return fmt.Sprintf("%s actors alive at once, new system", count(s.Spawn.Actors)) }},
		{ID: "idle", Title: "memory per idle actor", Unit: "B", Higher: false,
			Value: func(r Result) float64 { return r.BytesPerActor },
			Run: func(ctx context.Context, f Framework, s Sizes, _ string) (Result, error) {
				return f.IdleMemory(ctx, s.Idle)
			},
			Describe: func(s Sizes) string {
				return fmt.Sprintf("%s named actors, heap + stacks after GC", count(s.Idle.Actors))
			}},
		{ID: "remote1", Title: "remote one-way 1→1", Unit: "msg/s", Higher: true, Value: rate, Server: "remote",
			Run: func(ctx context.Context, f Framework, s Sizes, addr string) (Result, error) {
				p := s.Remote1
				p.Addr = addr
				return f.RemoteOneWay(ctx, p)
			},
			Describe: func(s Sizes) string { return fmt.Sprintf("%s messages, two processes", count(s.Remote1.Messages)) }},
		{ID: "remote2", Title: "remote one-way 2→2", Unit: "msg/s", Higher: true, Value: rate, Server: "remote",
			Run: func(ctx context.Context, f Framework, s Sizes, addr string) (Result, error) {
				p := s.Remote2
				p.Addr = addr
				return f.RemoteOneWay(ctx, p)
			},
			Describe: func(s Sizes) string {
				return fmt.Sprintf("%d senders, %s messages in all", s.Remote2.Senders, count(s.Remote2.Messages))
			}},
		{ID: "remotereq", Title: "remote request/response p50", Unit: "µs", Higher: false, Server: "remote",
			Value: func(r Result) float64 { return micros(r.P50) },
			Run: func(ctx context.Context, f Framework, s Sizes, addr string) (Result, error) {
				p := s.RemoteRequest
				p.Addr = addr
				return f.RemoteRequest(ctx, p)
			},
			Describe: func(s Sizes) string {
				return fmt.Sprintf("%s sequential (p99 beside)", count(s.RemoteRequest.Requests))
			}},
		{ID: "echo", Title: "line echo server", Unit: "lines/s", Higher: true, Value: rate, Server: "echo",
			Run: func(ctx context.Context, f Framework, s Sizes, addr string) (Result, error) {
				p := s.Echo
				p.Addr = addr
				return EchoClient(ctx, p)
			},
			Describe: func(s Sizes) string {
				return fmt.Sprintf("%d connections, %v, one Go client", s.Echo.Conns, s.Echo.Duration)
			}},
	}
}

func micros(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }

// count writes n the way the tables do: 3M, 100k, 1,000.
func count(n int) string {
	switch {
	case n >= 1_000_000 && n%1_000_000 == 0:
		return fmt.Sprintf("%dM", n/1_000_000)
	case n >= 10_000 && n%1_000 == 0:
		return fmt.Sprintf("%dk", n/1_000)
	case n >= 1_000:
		return fmt.Sprintf("%d,%03d", n/1000, n%1000)
	}
	return fmt.Sprint(n)
}
