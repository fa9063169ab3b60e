package main

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	// TestTheCommandSaysWhatItDoes runs this binary as the command itself.
	if os.Getenv("METRICS_TEST_MAIN") != "" {
		main()
		os.Exit(0)
	}
	goleak.VerifyTestMain(m)
}

// moving are series that the example's load must move, each given by its
// name and labels: the test waits until every one is above zero.
var moving = []struct {
	name   string
	labels map[string]string
}{
	{"troupe_actor_messages_total", map[string]string{"kind": "counter"}},
	{"troupe_actor_messages_total", map[string]string{"kind": "worker"}},
	{"troupe_actor_message_duration_seconds", map[string]string{"kind": "worker"}},
	{"troupe_actor_panics_total", map[string]string{"kind": "flaky"}},
	{"troupe_actor_restarts_total", map[string]string{"kind": "flaky"}},
	{"troupe_actor_spawns_total", map[string]string{"kind": "session"}},
	{"troupe_actor_stops_total", map[string]string{"kind": "session", "reason": "normal"}},
	{"troupe_actors_alive", map[string]string{"kind": "counter"}},
	{"troupe_mailbox_capacity", map[string]string{"kind": "lossy"}},
	{"troupe_dead_letters_total", map[string]string{"reason": "dropped"}},
	{"troupe_server_connections_accepted_total", nil},
	{"troupe_server_connections_closed_total", map[string]string{"reason": "normal"}},
	{"troupe_server_accept_pauses_total", nil},
	{"troupe_actor_messages_total", map[string]string{"node": "b", "kind": "counter"}},
	{"troupe_remote_peer_up", map[string]string{"node": "a"}},
	{"troupe_remote_messages_delivered_total", map[string]string{"node": "a"}},
	{"troupe_remote_messages_received_total", map[string]string{"node": "b"}},
	{"go_goroutines", nil},
}

// TestRun runs the example bounded, as CI does, scrapes it until every
// series of moving has moved, and checks that it then stops cleanly.
func TestRun(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	addrs := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, "127.0.0.1:0", slog.New(slog.DiscardHandler), func(addr string) { addrs <- addr })
	}()
	var addr string
	select {
	case addr = <-addrs:
	case err := <-done:
		t.Fatalf("run ended before serving: %v", err)
	}

	deadline := time.Now().Add(15 * time.Second)
	for {
		still := stillZero(t, "http://"+addr+"/metrics")
		if len(still) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 15 s these series have not moved: %v", still)
		}
		time.Sleep(100 * time.Millisecond) // the next scrape, as Prometheus would
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("run did not return within 10 s of its context ending")
	}
}

// stillZero scrapes url and returns the series of moving that are zero or
// missing.
func stillZero(t *testing.T, url string) []string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	parser := expfmt.NewTextParser(model.LegacyValidation)
	mfs, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	var still []string
	for _, s := range moving {
		if sum(mfs[s.name], s.labels) <= 0 {
			still = append(still, s.name+labelString(s.labels))
		}
	}
	return still
}

// sum adds up the values of the series of mf whose labels include want; a
// histogram counts its observations.
func sum(mf *dto.MetricFamily, want map[string]string) float64 {
	total := 0.0
	for _, m := range mf.GetMetric() {
		have := make(map[string]string)
		for _, l := range m.GetLabel() {
			have[l.GetName()] = l.GetValue()
		}
		ok := true
		for k, v := range want {
			ok = ok && have[k] == v
		}
		if !ok {
			continue
		}
		switch {
		case m.Counter != nil:
			total += m.Counter.GetValue()
		case m.Gauge != nil:
			total += m.Gauge.GetValue()
		case m.Histogram != nil:
			total += float64(m.Histogram.GetSampleCount())
		}
	}
	return total
}

func labelString(labels map[string]string) string {
	if len(labels) == 0 {
		return ""
	}
	ls := make(model.LabelSet, len(labels))
	for k, v := range labels {
		ls[model.LabelName(k)] = model.LabelValue(v)
	}
	return ls.String()
}

// The deliberate panics of the flaky actor stay out of the log, and
// whatever else is logged goes through.
func TestDropKindLeavesOutOneKind(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(dropKind{Handler: slog.NewTextHandler(&buf, nil), kind: "flaky"})
	logger.Error("actor: panic in Receive", "kind", "flaky", "panic", "job failed on purpose")
	logger.With("node", "a").Error("actor: panic in Receive", "kind", "flaky")
	logger.Error("actor: panic in Receive", "kind", "worker", "panic", "real")
	if got := buf.String(); strings.Contains(got, "flaky") || !strings.Contains(got, "kind=worker") {
		t.Fatalf("log: %q", got)
	}
}

// The command says that its failing actor fails on purpose (and leaves
// its panics out of the log), how it stops, and that it stopped.
func TestTheCommandSaysWhatItDoes(t *testing.T) {
	cmd := exec.Command(os.Args[0], "-listen", "127.0.0.1:0", "-duration", "1500ms")
	cmd.Env = append(os.Environ(), "METRICS_TEST_MAIN=1")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%v\n%s%s", err, stdout.String(), stderr.String())
	}
	for _, want := range []string{
		"metrics: serving http://127.0.0.1:",
		`the actor "flaky" panics on purpose`,
		"stops by itself after 1.5s, or on Ctrl-C",
		"metrics: stopped cleanly after -duration 1.5s",
	} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("the command does not say %q:\n%s", want, stdout.String())
		}
	}
	if strings.Contains(stderr.String(), "job failed on purpose") {
		t.Errorf("the deliberate panics are logged without -v:\n%s", stderr.String())
	}
}
