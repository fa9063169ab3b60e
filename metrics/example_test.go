package metrics_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/troupe-go/troupe/actor"
	"github.com/troupe-go/troupe/metrics"
)

func Example() {
	reg := prometheus.NewRegistry()
	m, err := metrics.New(reg, metrics.WithNode("a"))
	if err != nil {
		panic(err)
	}
	sys := actor.NewSystem(actor.WithObserver(m.Observer()))
	defer sys.Shutdown(context.Background())
	if err := m.Observe(sys); err != nil {
		panic(err)
	}

	pid, _ := sys.SpawnFunc(func(c *actor.Context) {
		if s, ok := c.Message().(string); ok {
			c.Respond(strings.ToUpper(s))
		}
	}, actor.WithKind("upper"))
	for _, s := range []string{"a", "b", "c"} {
		sys.Request(context.Background(), pid, s)
	}
	sys.Poison(pid)                     // after the three requests,
	sys.Wait(context.Background(), pid) // and after their batches are counted

	// What Prometheus would scrape (metrics.Handler serves it at /metrics).
	rec := httptest.NewRecorder()
	metrics.Handler(reg).ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	for _, line := range strings.Split(rec.Body.String(), "\n") {
		if strings.HasPrefix(line, "troupe_actor_messages_total") ||
			strings.HasPrefix(line, "troupe_actor_stops_total{kind=\"upper\",node=\"a\",reason=\"normal\"}") ||
			strings.HasPrefix(line, "troupe_actors_alive") {
			fmt.Println(line)
		}
	}
	// Output:
	// troupe_actor_messages_total{kind="upper",node="a"} 3
	// troupe_actor_stops_total{kind="upper",node="a",reason="normal"} 1
	// troupe_actors_alive{kind="upper",node="a"} 0
}
