package main

import (
	"errors"
	"fmt"
	"math"
	"os"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/troupe-go/troupe/benchmarks/bench"
)

// run gathers the trials of one invocation and what is known of the
// machine they ran on.
type run struct {
	opts       options
	Frameworks []bench.Framework
	Versions   map[string]string
	Workloads  []bench.Workload
	Trials     []trialOut
	Start, End time.Time
	LoadStart  string
	LoadRounds []string
	CPUs       int
	CPUModel   string
	GoVersion  string
	cells      map[[2]string]*cell
}

// cell is one framework on one workload, over the rounds.
type cell struct {
	values   []float64 // of the trials that completed
	results  []bench.Result
	rounds   []int
	errs     []string
	na       string
	median   float64
	min, max float64
	lost     int64 // most in one round
	disorder int64
	heap     uint64 // medians
	rss      uint64
}

func newRun(o options, fws []bench.Framework, ws []bench.Workload) *run {
	r := &run{
		opts: o, Frameworks: fws, Workloads: ws, Versions: map[string]string{},
		Start: time.Now(), LoadStart: loadAverage(),
		CPUs: runtime.NumCPU(), CPUModel: cpuModel(), GoVersion: runtime.Version(),
		cells: map[[2]string]*cell{},
	}
	for _, f := range fws {
		r.Versions[f.Name()] = f.Version()
	}
	return r
}

func (r *run) cell(w, f string) *cell {
	k := [2]string{w, f}
	if r.cells[k] == nil {
		r.cells[k] = &cell{}
	}
	return r.cells[k]
}

func (r *run) workload(id string) bench.Workload {
	for _, w := range r.Workloads {
		if w.ID == id {
			return w
		}
	}
	return bench.Workload{}
}

func (r *run) add(t trialOut) {
	r.Trials = append(r.Trials, t)
	c := r.cell(t.Workload, t.Framework)
	switch {
	case t.NA != "":
		c.na = t.NA
	case t.Err != "":
		c.errs = append(c.errs, fmt.Sprintf("round %d: %s", t.Round+1, t.Err))
		c.lost = max(c.lost, t.Result.Lost)
		c.disorder = max(c.disorder, t.Result.Disorder)
	default:
		w := r.workload(t.Workload)
		c.values = append(c.values, w.Value(t.Result))
		c.results = append(c.results, t.Result)
		c.rounds = append(c.rounds, t.Round)
		c.lost = max(c.lost, t.Result.Lost)
		c.disorder = max(c.disorder, t.Result.Disorder)
	}
}

func (r *run) finish() {
	r.End = time.Now()
	for _, c := range r.cells {
		if len(c.values) == 0 {
			continue
		}
		c.median = median(c.values)
		c.min, c.max = slices.Min(c.values), slices.Max(c.values)
		var heaps, rsss []float64
		for _, res := range c.results {
			heaps = append(heaps, float64(res.PeakHeap))
			rsss = append(rsss, float64(res.PeakRSS))
		}
		c.heap, c.rss = uint64(median(heaps)), uint64(median(rsss))
	}
}

func median(v []float64) float64 {
	s := slices.Sorted(slices.Values(v))
	n := len(s)
	if n == 0 {
		return math.NaN()
	}
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// lead is troupe's lead over a peer: above 1 troupe is ahead.
func lead(w bench.Workload, troupe, peer float64) float64 {
	if troupe <= 0 || peer <= 0 {
		return math.NaN()
	}
	if w.Higher {
		return troupe / peer
	}
	return peer / troupe
}

// roundLeads are troupe's leads round by round, each from two trials run
// one after the other.
func (r *run) roundLeads(w bench.Workload, peer string) []float64 {
	t, p := r.cell(w.ID, "troupe"), r.cell(w.ID, peer)
	var out []float64
	for i, round := range t.rounds {
		if j := slices.Index(p.rounds, round); j >= 0 {
			out = append(out, lead(w, t.values[i], p.values[j]))
		}
	}
	return out
}

// formatValue writes a figure in the workload's unit.
func formatValue(w bench.Workload, v float64) string {
	if math.IsNaN(v) {
		return "—"
	}
	switch w.Unit {
	case "µs":
		switch {
		case v < 10:
			return fmt.Sprintf("%.2f µs", v)
		case v < 100:
			return fmt.Sprintf("%.1f µs", v)
		}
		return fmt.Sprintf("%.0f µs", v)
	case "B":
		return fmt.Sprintf("%.0f B", v)
	}
	unit := strings.TrimSuffix(w.Unit, "/s")
	switch {
	case v >= 1e6:
		return fmt.Sprintf("%.2f M %s/s", v/1e6, unit)
	case v >= 1e3:
		return fmt.Sprintf("%.0f k %s/s", v/1e3, unit)
	}
	return fmt.Sprintf("%.0f %s/s", v, unit)
}

func formatBytes(b uint64) string {
	switch {
	case b == 0:
		return "—"
	case b >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(b)/(1<<30))
	case b >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20))
	}
	return fmt.Sprintf("%.0f KiB", float64(b)/(1<<10))
}

func formatLead(x float64) string {
	if math.IsNaN(x) {
		return "—"
	}
	if x >= 1 {
		return fmt.Sprintf("**%.2f×** leads", x)
	}
	return fmt.Sprintf("%.2f× trails", x)
}

// describe is a progress line for one trial.
func (r *run) describe(w bench.Workload, t trialOut) string {
	switch {
	case t.NA != "":
		return "not applicable: " + t.NA
	case t.Err != "":
		return "FAILED: " + t.Err
	}
	s := fmt.Sprintf("%-16s heap %-9s (%.1fs)", formatValue(w, w.Value(t.Result)), formatBytes(t.Result.PeakHeap), t.Wall.Seconds())
	if t.Result.Lost != 0 || t.Result.Disorder != 0 {
		s += fmt.Sprintf("  LOST %d, OUT OF ORDER %d", t.Result.Lost, t.Result.Disorder)
	}
	if t.Result.Full != "" {
		s += fmt.Sprintf("  full: %s, at most %d in flight", t.Result.Full, t.Result.MaxInFlight)
	}
	return s
}

// notes says what the table's notes column says for a cell.
func (r *run) notes(w bench.Workload, c *cell) string {
	var n []string
	if len(c.results) > 0 {
		last := c.results[len(c.results)/2]
		if w.ID == "remotereq" {
			var p99 []float64
			for _, res := range c.results {
				p99 = append(p99, float64(res.P99)/float64(time.Microsecond))
			}
			n = append(n, "p99 "+formatValue(w, median(p99)))
		}
		if last.Full != "" {
			most := int64(0)
			for _, res := range c.results {
				most = max(most, res.MaxInFlight)
			}
			n = append(n, fmt.Sprintf("when full: **%s**, at most %d in flight; %s", last.Full, most, last.Note))
		} else if last.Note != "" {
			n = append(n, last.Note)
		}
	}
	if len(c.errs) > 0 {
		n = append(n, fmt.Sprintf("%d of %d rounds failed: %s", len(c.errs), len(c.errs)+len(c.values), c.errs[0]))
	}
	return strings.Join(n, "; ")
}

// table is the results table in Markdown.
func (r *run) table() string {
	var b strings.Builder
	b.WriteString("| Workload | Framework | Median | Spread (min – max) | Peak heap (RSS) | Lost / out of order | troupe vs this | Notes |\n")
	b.WriteString("|---|---|---:|---|---|---|---|---|\n")
	for _, w := range r.Workloads {
		first := true
		troupe := r.cell(w.ID, "troupe")
		for _, f := range r.Frameworks {
			c := r.cell(w.ID, f.Name())
			if c.na != "" && len(c.values) == 0 && len(c.errs) == 0 {
				continue
			}
			title := ""
			if first {
				title = fmt.Sprintf("**%s**<br>%s", w.Title, w.Describe(sizes(r.opts)))
				first = false
			}
			spread, med, vs := "—", "—", ""
			if len(c.values) > 0 {
				med = formatValue(w, c.median)
				spread = fmt.Sprintf("%s – %s (±%.0f%%, %s)", formatValue(w, c.min), formatValue(w, c.max),
					50*(c.max-c.min)/c.median, plural(len(c.values), "round"))
				if f.Name() != "troupe" && len(troupe.values) > 0 {
					vs = formatLead(lead(w, troupe.median, c.median))
				}
			}
			mem := formatBytes(c.heap)
			if c.rss > 0 {
				mem += " (" + formatBytes(c.rss) + ")"
			}
			loss := "0"
			if c.lost != 0 || c.disorder != 0 {
				loss = fmt.Sprintf("**lost %d, out of order %d**", c.lost, c.disorder)
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s | %s |\n",
				title, f.Name(), med, spread, mem, loss, vs, r.notes(w, c))
		}
	}
	return b.String()
}

// leads is the table of troupe's lead over each peer, against the targets.
func (r *run) leads() string {
	var b strings.Builder
	b.WriteString("| Workload | Peer | troupe's lead (medians) | Round by round | Target | |\n")
	b.WriteString("|---|---|---:|---|---:|---|\n")
	for _, w := range r.Workloads {
		t := r.cell(w.ID, "troupe")
		for _, f := range r.Frameworks {
			if f.Name() == "troupe" {
				continue
			}
			c := r.cell(w.ID, f.Name())
			if len(c.values) == 0 || len(t.values) == 0 {
				continue
			}
			x := lead(w, t.median, c.median)
			per := r.roundLeads(w, f.Name())
			rng := "—"
			if len(per) > 0 {
				rng = fmt.Sprintf("%.2f – %.2f", slices.Min(per), slices.Max(per))
			}
			target, verdict := "", ""
			if goal, ok := targets[[2]string{w.ID, f.Name()}]; ok {
				target = fmt.Sprintf("≥ %.2f×", goal)
				verdict = "met"
				if x < goal {
					verdict = "**not met**"
				}
			}
			word := "leads"
			if x < 1 {
				word = "**trails**"
			}
			fmt.Fprintf(&b, "| %s | %s | %.2f× (%s) | %s | %s | %s |\n", w.Title, f.Name(), x, word, rng, target, verdict)
		}
	}
	return b.String()
}

// verdict fails the run when a trial failed, or when troupe lost or
// reordered a message: the peers' losses are results, troupe's are bugs.
// With strict, a framework that is not installed fails it too.
func (r *run) verdict(strict bool) error {
	var errs []error
	for _, t := range r.Trials {
		if strict && t.Missing {
			errs = append(errs, fmt.Errorf("%s on %s: %s", t.Workload, t.Framework, t.NA))
		}
		if t.Err != "" {
			errs = append(errs, fmt.Errorf("%s on %s, round %d: %s", t.Workload, t.Framework, t.Round+1, t.Err))
		}
		if t.Framework == "troupe" && (t.Result.Lost != 0 || t.Result.Disorder != 0) {
			errs = append(errs, fmt.Errorf("%s on troupe, round %d: lost %d, out of order %d",
				t.Workload, t.Round+1, t.Result.Lost, t.Result.Disorder))
		}
	}
	return errors.Join(errs...)
}

func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return runtime.GOARCH
	}
	for _, l := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return runtime.GOARCH
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}
