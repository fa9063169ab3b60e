package metrics_test

import (
	"bufio"
	"os"
	"slices"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"
)

// guideRow is a row of a table in docs/guide/metrics.md whose first cell
// is a name in backquotes.
type guideRow struct {
	section string   // the heading above the table
	cells   []string // the cells, trimmed, backquotes removed
}

// readGuide returns the guide's table rows that start with a quoted name.
func readGuide(t *testing.T) []guideRow {
	t.Helper()
	f, err := os.Open("../docs/guide/metrics.md")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var rows []guideRow
	section := ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") {
			section = strings.TrimSpace(strings.TrimLeft(line, "#"))
			continue
		}
		if !strings.HasPrefix(line, "| `") {
			continue
		}
		var cells []string
		for _, c := range strings.Split(strings.Trim(line, "|"), "|") {
			cells = append(cells, strings.Trim(strings.TrimSpace(c), "`"))
		}
		rows = append(rows, guideRow{section, cells})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return rows
}

// TestGuideMatchesServed: the guide's table of series lists exactly the
// troupe_ series served, with their types and labels, and its tables of
// reasons list exactly the reason labels served.
func TestGuideMatchesServed(t *testing.T) {
	served := make(map[string]*dto.MetricFamily)
	mfs, err := exercised(t).Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if strings.HasPrefix(mf.GetName(), "troupe_") {
			served[mf.GetName()] = mf
		}
	}
	listed := make(map[string]bool)
	reasons := make(map[string][]string) // section → reason labels
	for _, row := range readGuide(t) {
		if row.section != "Series" {
			reasons[row.section] = append(reasons[row.section], row.cells[0])
			continue
		}
		name, typ, labels := row.cells[0], row.cells[1], row.cells[2]
		listed[name] = true
		mf, ok := served[name]
		if !ok {
			t.Errorf("the guide lists %s, which is not served", name)
			continue
		}
		if want := strings.ToLower(mf.GetType().String()); typ != want {
			t.Errorf("%s: the guide says %s, served as %s", name, typ, want)
		}
		var guideLabels []string
		for _, l := range strings.Split(labels, ",") {
			if l = strings.TrimSpace(l); l != "" {
				guideLabels = append(guideLabels, l)
			}
		}
		if got := labelNames(mf); !slices.Equal(sorted(guideLabels), got) {
			t.Errorf("%s: the guide gives labels %v, served with %v", name, guideLabels, got)
		}
	}
	for name := range served {
		if !listed[name] {
			t.Errorf("%s is served but not in the guide", name)
		}
	}
	for _, c := range []struct{ section, series string }{
		{"Stop reasons", "troupe_actor_stops_total"},
		{"Dead-letter reasons", "troupe_dead_letters_total"},
		{"Handshake failure reasons", "troupe_remote_handshake_failures_total"},
	} {
		if got, want := sorted(reasons[c.section]), labelValues(served[c.series], "reason"); !slices.Equal(got, want) {
			t.Errorf("the guide's %q are %v, %s is served with %v", c.section, got, c.series, want)
		}
	}
}

// labelNames returns the names of mf's labels, sorted, without node (which
// WithNode adds to all) and le (a histogram's own).
func labelNames(mf *dto.MetricFamily) []string {
	seen := make(map[string]bool)
	for _, m := range mf.GetMetric() {
		for _, l := range m.GetLabel() {
			if n := l.GetName(); n != "node" {
				seen[n] = true
			}
		}
	}
	return sortedKeys(seen)
}

// labelValues returns the values label takes in mf, sorted.
func labelValues(mf *dto.MetricFamily, label string) []string {
	seen := make(map[string]bool)
	for _, m := range mf.GetMetric() {
		for _, l := range m.GetLabel() {
			if l.GetName() == label {
				seen[l.GetValue()] = true
			}
		}
	}
	return sortedKeys(seen)
}

func sortedKeys(m map[string]bool) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	return sorted(keys)
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}
