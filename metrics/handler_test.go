package metrics_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/troupe-go/troupe/metrics"
)

// scrape fetches url as Prometheus would, in the text format, and parses
// the answer with Prometheus's own parser.
func scrape(t testing.TB, url string) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", url, resp.Status)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain; version=0.0.4") {
		t.Errorf("Content-Type %q, want the text format", ct)
	}
	parser := expfmt.NewTextParser(model.LegacyValidation)
	mfs, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("parsing the scrape: %v", err)
	}
	return mfs
}

// TestHandlerText scrapes the handler over HTTP and finds in the parsed
// text what happened: one restart of a worker, two drops.
func TestHandlerText(t *testing.T) {
	srv := httptest.NewServer(metrics.Handler(exercised(t)))
	defer srv.Close()
	mfs := scrape(t, srv.URL+"/metrics")
	restarts := mfs["troupe_actor_restarts_total"]
	if restarts.GetType() != dto.MetricType_COUNTER {
		t.Fatalf("troupe_actor_restarts_total: type %v, want counter", restarts.GetType())
	}
	found := false
	for _, m := range restarts.GetMetric() {
		if hasLabels(m, []string{"kind", "worker", "node", "n1"}) {
			found = true
			if v := m.GetCounter().GetValue(); v != 1 {
				t.Errorf("worker restarts %v, want 1", v)
			}
		}
	}
	if !found {
		t.Error("no troupe_actor_restarts_total{kind=worker,node=n1}")
	}
	if h := mfs["troupe_actor_message_duration_seconds"]; h.GetType() != dto.MetricType_HISTOGRAM {
		t.Errorf("troupe_actor_message_duration_seconds: type %v, want histogram", h.GetType())
	}
	if _, ok := mfs["go_goroutines"]; !ok {
		t.Error("the Go collector's series are missing")
	}
}

// TestHandlerOpenMetrics: a scraper that asks for OpenMetrics gets it.
func TestHandlerOpenMetrics(t *testing.T) {
	srv := httptest.NewServer(metrics.Handler(exercised(t)))
	defer srv.Close()
	req, _ := http.NewRequest("GET", srv.URL+"/metrics", nil)
	req.Header.Set("Accept", "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/openmetrics-text") {
		t.Errorf("Content-Type %q, want OpenMetrics", ct)
	}
	text := string(body)
	if !strings.HasSuffix(text, "# EOF\n") {
		t.Error("the OpenMetrics exposition does not end with # EOF")
	}
	// OpenMetrics names the counter family without _total, its samples with.
	for _, want := range []string{"# TYPE troupe_actor_messages counter", `troupe_actor_messages_total{kind="worker",node="n1"} `} {
		if !strings.Contains(text, want) {
			t.Errorf("no %q in the OpenMetrics exposition", want)
		}
	}
}
