package metrics_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/troupe-go/troupe/actor"
	"github.com/troupe-go/troupe/metrics"
)

// requireEnv names the variable that turns the skip of TestRealPrometheus
// into a failure: CI sets it, so that a missing binary cannot pass unseen.
const requireEnv = "TROUPE_REQUIRE_PROMETHEUS"

// lookTool finds a Prometheus binary on PATH, or skips the test, or fails
// it when requireEnv is set.
func lookTool(t *testing.T, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err == nil {
		return path
	}
	msg := fmt.Sprintf("%s is not on PATH (Debian: apt-get install --no-install-recommends prometheus)", name)
	if os.Getenv(requireEnv) != "" {
		t.Fatalf("%s, and %s is set", msg, requireEnv)
	}
	t.Skip(msg)
	return ""
}

// TestRealPrometheus has a real Prometheus server scrape a System under
// steady load every second, and asks it, through its HTTP API, for the
// message rate and the 99th percentile of handling time; promtool checks
// the scraped text.
func TestRealPrometheus(t *testing.T) {
	prom, promtool := lookTool(t, "prometheus"), lookTool(t, "promtool")
	target := loadedTarget(t)
	api := startPrometheus(t, prom, target.Listener.Addr().String())
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 5 * time.Second}

	// Two scrapes, both successful: a rate over 5 s has its two samples.
	deadline := time.Now().Add(15 * time.Second)
	for {
		scrapes, err := query(client, api, `sum_over_time(up{job="troupe"}[1m])`)
		if err == nil && len(scrapes) == 1 && scrapes[0] >= 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("Prometheus did not scrape twice within 15 s (last answer %v, %v)", scrapes, err)
		}
		time.Sleep(200 * time.Millisecond) // the next poll of its API
	}
	for _, q := range []string{
		`rate(troupe_actor_messages_total{job="troupe",kind="worker",node="p"}[5s])`,
		`histogram_quantile(0.99, sum by (le) (rate(troupe_actor_message_duration_seconds_bucket{job="troupe",kind="worker"}[5s])))`,
	} {
		got, err := query(client, api, q)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		if len(got) != 1 || !(got[0] > 0) {
			t.Errorf("%s = %v, want one positive value", q, got)
		}
	}

	// promtool lints what Prometheus scraped.
	resp, err := client.Get(target.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	scraped, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	check := exec.Command(promtool, "check", "metrics")
	check.Stdin = bytes.NewReader(scraped)
	if out, err := check.CombinedOutput(); err != nil || len(bytes.TrimSpace(out)) > 0 {
		t.Errorf("promtool check metrics: %v\n%s", err, out)
	}
}

// loadedTarget serves the metrics of a System whose worker actor gets a
// message every millisecond until the test ends.
func loadedTarget(t *testing.T) *httptest.Server {
	r := newRigOn(t, prometheus.NewRegistry(), []metrics.Option{metrics.WithNode("p")})
	pid, err := r.sys.SpawnFunc(func(*actor.Context) {}, actor.WithKind("worker"))
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	loaded := make(chan struct{})
	go func() {
		defer close(loaded)
		tk := time.NewTicker(time.Millisecond)
		defer tk.Stop()
		for i := 0; ; i++ {
			select {
			case <-ctx.Done():
				return
			case <-tk.C:
				r.sys.Send(pid, tick{i})
			}
		}
	}()
	t.Cleanup(func() { stop(); <-loaded })
	srv := httptest.NewServer(metrics.Handler(r.reg))
	t.Cleanup(srv.Close)
	return srv
}

// startPrometheus runs prometheus scraping target every second, on a free
// loopback port, with its storage in a temporary directory, and returns
// the base URL of its API. The test kills it and waits for it at the end.
// Nothing in the configuration reaches beyond loopback: no alerting, no
// remote write, one static target.
func startPrometheus(t *testing.T, bin, target string) string {
	t.Helper()
	dir := t.TempDir()
	config := fmt.Sprintf(`global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: troupe
    static_configs:
      - targets: [%q]
`, target)
	configFile := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(configFile, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	addr := freeAddr(t)
	var logs bytes.Buffer
	cmd := exec.Command(bin,
		"--config.file="+configFile,
		"--storage.tsdb.path="+filepath.Join(dir, "data"),
		"--web.listen-address="+addr,
		"--log.level=warn",
	)
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			t.Logf("prometheus's log:\n%s", logs.String())
		}
	})
	return "http://" + addr
}

// freeAddr returns a loopback address with a port free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// query runs an instant PromQL query through Prometheus's HTTP API and
// returns the values of the vector it answers.
func query(client *http.Client, api, q string) ([]float64, error) {
	resp, err := client.Get(api + "/api/v1/query?query=" + url.QueryEscape(q))
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var answer struct {
		Status string `json:"status"`
		Error  string `json:"error"`
		Data   struct {
			ResultType string `json:"resultType"`
			Result     []struct {
				Value [2]any `json:"value"` // [time, "value"]
			} `json:"result"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&answer); err != nil {
		return nil, err
	}
	if answer.Status != "success" {
		return nil, fmt.Errorf("prometheus: %s", answer.Error)
	}
	if answer.Data.ResultType != "vector" {
		return nil, fmt.Errorf("prometheus: a %s, want a vector", answer.Data.ResultType)
	}
	var values []float64
	for _, r := range answer.Data.Result {
		s, _ := r.Value[1].(string)
		v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil {
			return nil, err
		}
		values = append(values, v)
	}
	return values, nil
}
