package metrics

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Handler serves the series gathered from g at every request, in the
// Prometheus text format, or in OpenMetrics when the scraper asks for it
// (its Accept header), compressed when it accepts gzip. A failing collector
// makes the scrape fail with status 500, so that a broken series is seen,
// not silently missing.
func Handler(g prometheus.Gatherer) http.Handler {
	return promhttp.HandlerFor(g, promhttp.HandlerOpts{EnableOpenMetrics: true})
}
