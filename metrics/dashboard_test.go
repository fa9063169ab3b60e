package metrics_test

import (
	"encoding/json"
	"os"
	"regexp"
	"testing"

	dto "github.com/prometheus/client_model/go"
)

// dashboard is the part of Grafana's classic JSON model that the test reads.
type dashboard struct {
	Title      string `json:"title"`
	Templating struct {
		List []struct {
			Name  string `json:"name"`
			Type  string `json:"type"`
			Query any    `json:"query"`
		} `json:"list"`
	} `json:"templating"`
	Panels []panel `json:"panels"`
}

type panel struct {
	Title      string `json:"title"`
	Type       string `json:"type"`
	Datasource *struct {
		UID string `json:"uid"`
	} `json:"datasource"`
	Targets []struct {
		Expr string `json:"expr"`
	} `json:"targets"`
	Panels []panel `json:"panels"` // a collapsed row's
}

// metricName finds the identifiers of a query that name series: the
// package's, the Go runtime's and the process's.
var metricName = regexp.MustCompile(`\b(?:troupe|go|process)_[a-zA-Z0-9_]*`)

// TestDashboard: docs/grafana/troupe.json is valid JSON with a data source
// variable and job and instance variables, every panel queries the chosen
// data source, and every series its queries name is one a program serves
// (troupe's, or go_ and process_ from the standard collectors).
func TestDashboard(t *testing.T) {
	raw, err := os.ReadFile("../docs/grafana/troupe.json")
	if err != nil {
		t.Fatal(err)
	}
	var d dashboard
	if err := json.Unmarshal(raw, &d); err != nil {
		t.Fatalf("the dashboard is not valid JSON: %v", err)
	}
	vars := make(map[string]string)
	for _, v := range d.Templating.List {
		vars[v.Name] = v.Type
	}
	for name, typ := range map[string]string{"datasource": "datasource", "job": "query", "instance": "query"} {
		if vars[name] != typ {
			t.Errorf("variable %s: type %q, want %q", name, vars[name], typ)
		}
	}

	served := make(map[string]bool) // names a query may use
	mfs, err := exercised(t).Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		served[mf.GetName()] = true
		switch mf.GetType() {
		case dto.MetricType_HISTOGRAM:
			served[mf.GetName()+"_bucket"] = true
			fallthrough
		case dto.MetricType_SUMMARY:
			served[mf.GetName()+"_sum"] = true
			served[mf.GetName()+"_count"] = true
		}
	}
	queries := 0
	var check func(ps []panel)
	check = func(ps []panel) {
		for _, p := range ps {
			check(p.Panels)
			if p.Type == "row" {
				continue
			}
			if p.Datasource == nil || p.Datasource.UID != "${datasource}" {
				t.Errorf("panel %q does not use the datasource variable", p.Title)
			}
			for _, target := range p.Targets {
				queries++
				for _, name := range metricName.FindAllString(target.Expr, -1) {
					if !served[name] {
						t.Errorf("panel %q queries %s, which is not served", p.Title, name)
					}
				}
			}
		}
	}
	check(d.Panels)
	if queries == 0 {
		t.Error("the dashboard has no queries")
	}
}
