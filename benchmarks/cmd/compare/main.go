// Command compare measures troupe against Proto.Actor and gevent, side by
// side, on the same workloads, and writes the results as a Markdown page
// and an SVG chart.
//
//	cd benchmarks && go run ./cmd/compare            # 5 rounds; writes ../docs/benchmarks-compare.md and ../docs/benchmarks.svg
//	go run ./cmd/compare -quick                      # one tiny round of everything, prints the table only
//	go run ./cmd/compare -only oneway,pingpong -rounds 9
//	go run ./cmd/compare -only pingpong -frameworks troupe -cpuprofile /tmp/prof
//
// Every trial runs in a fresh process (this binary, re-executed with
// -trial), and a two-process workload starts its server as another
// (-serve), so no framework inherits another's heap, goroutines or
// timers. Within each round the frameworks take turns on each workload,
// the first of them changing from round to round, so that the machine's
// noise falls on all alike; the results are medians over the rounds.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"slices"
	"strings"
	"time"

	"github.com/troupe-go/troupe/benchmarks/bench"
)

type options struct {
	rounds     int
	quick      bool
	strict     bool
	only       string
	fws        string
	md, svg    string
	jsonOut    string
	python     string
	cpuprofile string
	trial      string
	serve      string
}

func main() {
	var o options
	flag.IntVar(&o.rounds, "rounds", 5, "rounds of every workload on every framework")
	flag.BoolVar(&o.quick, "quick", false, "one tiny round of every workload, in seconds: a smoke test; writes no files unless -md or -svg is given")
	flag.BoolVar(&o.strict, "strict", false, "fail when a framework is not installed (gevent, say), as CI wants")
	flag.StringVar(&o.only, "only", "", "comma-separated workloads to run (default all): "+strings.Join(workloadIDs(), ","))
	flag.StringVar(&o.fws, "frameworks", "", "comma-separated frameworks to run (default all; troupe is always run, as every ratio is to it)")
	flag.StringVar(&o.md, "md", "../docs/benchmarks-compare.md", "Markdown page to write (empty: none)")
	flag.StringVar(&o.svg, "svg", "../docs/benchmarks.svg", "SVG chart to write (empty: none)")
	flag.StringVar(&o.jsonOut, "json", "", "file to write every trial's raw result to, as JSON")
	flag.StringVar(&o.python, "python", "/usr/bin/python3", "Python interpreter that imports gevent")
	flag.StringVar(&o.cpuprofile, "cpuprofile", "", "directory: each trial writes its CPU profile there as WORKLOAD-FRAMEWORK.pprof, and its server process as WORKLOAD-FRAMEWORK-server.pprof (the last round's are kept)")
	flag.StringVar(&o.trial, "trial", "", "internal: run one trial, FRAMEWORK/WORKLOAD, and print its result")
	flag.StringVar(&o.serve, bench.ServeFlag, "", "internal: be the server process FRAMEWORK/ROLE")
	flag.Parse()
	if o.quick {
		explicit := map[string]bool{}
		flag.Visit(func(f *flag.Flag) { explicit[f.Name] = true })
		if !explicit["md"] {
			o.md = ""
		}
		if !explicit["svg"] {
			o.svg = ""
		}
		if !explicit["rounds"] {
			o.rounds = 1
		}
	}

	var err error
	switch {
	case o.serve != "":
		err = serveMain(o)
	case o.trial != "":
		err = trialMain(o)
	default:
		err = compareMain(o)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "compare:", err)
		os.Exit(1)
	}
}

func workloadIDs() []string {
	var ids []string
	for _, w := range bench.Workloads() {
		ids = append(ids, w.ID)
	}
	return ids
}

func sizes(o options) bench.Sizes {
	if o.quick {
		return bench.Quick
	}
	return bench.Full
}

func lookup(o options, name string) (bench.Framework, error) {
	for _, f := range frameworks(o.python) {
		if f.Name() == name {
			return f, nil
		}
	}
	return nil, fmt.Errorf("no framework %q", name)
}

func lookupWorkload(id string) (bench.Workload, error) {
	for _, w := range bench.Workloads() {
		if w.ID == id {
			return w, nil
		}
	}
	return bench.Workload{}, fmt.Errorf("no workload %q (have %s)", id, strings.Join(workloadIDs(), ", "))
}

// serveMain is the server process of a two-process trial.
func serveMain(o options) error {
	name, role, _ := strings.Cut(o.serve, "/")
	f, err := lookup(o, name)
	if err != nil {
		return err
	}
	var serve func(ctx context.Context, ready func(string)) error
	switch role {
	case "remote":
		serve = f.RemoteServer
	case "echo":
		serve = f.EchoServer
	default:
		return fmt.Errorf("no server role %q", role)
	}
	if o.cpuprofile != "" { // a file here, named by the trial
		pf, err := os.Create(o.cpuprofile)
		if err != nil {
			return err
		}
		defer pf.Close()
		if err := pprof.StartCPUProfile(pf); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	return bench.Serve(sizes(o).Trial+time.Minute, serve)
}

// trialMain runs one workload once on one framework, in this process,
// and prints "result {json}", "na reason" or "error message".
func trialMain(o options) error {
	name, id, _ := strings.Cut(o.trial, "/")
	f, err := lookup(o, name)
	if err != nil {
		return err
	}
	w, err := lookupWorkload(id)
	if err != nil {
		return err
	}
	r, err := runTrial(o, f, w)
	switch {
	case errors.Is(err, bench.ErrNotInstalled):
		fmt.Printf("missing %s\n", err)
	case errors.Is(err, bench.ErrNotApplicable):
		fmt.Printf("na %s\n", err)
		return nil
	case err != nil:
		js, _ := json.Marshal(r)
		fmt.Printf("partial %s\n", js)
		fmt.Printf("error %s\n", strings.ReplaceAll(err.Error(), "\n", "; "))
		return nil
	}
	js, err := json.Marshal(r)
	if err != nil {
		return err
	}
	fmt.Printf("result %s\n", js)
	return nil
}

func runTrial(o options, f bench.Framework, w bench.Workload) (_ bench.Result, err error) {
	s := sizes(o)
	ctx, cancel := context.WithTimeout(context.Background(), s.Trial)
	defer cancel()
	if o.cpuprofile != "" {
		if err := os.MkdirAll(o.cpuprofile, 0o755); err != nil {
			return bench.Result{}, err
		}
	}
	var srv *bench.Server
	var addr string
	if w.Server != "" {
		var args []string
		if o.cpuprofile != "" {
			args = []string{"-cpuprofile", filepath.Join(o.cpuprofile, w.ID+"-"+f.Name()+"-server.pprof")}
		}
		var err error
		if srv, err = bench.StartServer(ctx, f, w.Server, args...); err != nil {
			return bench.Result{}, err
		}
		defer srv.Stop()
		addr = srv.Addr
	}
	runtime.GC()
	debug.FreeOSMemory()
	if o.cpuprofile != "" {
		name := filepath.Join(o.cpuprofile, w.ID+"-"+f.Name()+".pprof")
		pf, cerr := os.Create(name)
		if cerr != nil {
			return bench.Result{}, cerr
		}
		defer func() { // err is the result
			pf.Close()
			if errors.Is(err, bench.ErrNotApplicable) {
				os.Remove(name)
			}
		}()
		if err := pprof.StartCPUProfile(pf); err != nil {
			return bench.Result{}, err
		}
	}
	heap := bench.StartHeapSampler()
	r, err := w.Run(ctx, f, s, addr)
	peak := heap.Stop()
	if o.cpuprofile != "" {
		pprof.StopCPUProfile()
	}
	if r.PeakRSS == 0 { // not measured in a process of its own
		r.PeakHeap, r.PeakRSS = peak, bench.PeakRSS()
	}
	if srv != nil {
		st, serr := srv.Stop()
		if w.Server == "echo" { // the client is the same for all: the server is what differs
			r.PeakHeap, r.PeakRSS = st.PeakHeap, st.PeakRSS
		} else {
			r.PeakHeap += st.PeakHeap
			r.PeakRSS += st.PeakRSS
		}
		err = errors.Join(err, serr)
	}
	return r, err
}

// trialOut is one trial as the orchestrator saw it.
type trialOut struct {
	Framework string        `json:"framework"`
	Workload  string        `json:"workload"`
	Round     int           `json:"round"`
	Result    bench.Result  `json:"result"`
	Err       string        `json:"error,omitempty"`
	NA        string        `json:"not_applicable,omitempty"`
	Missing   bool          `json:"not_installed,omitempty"`
	Wall      time.Duration `json:"wall"`
}

// runChild runs one trial in a fresh process.
func runChild(o options, f bench.Framework, w bench.Workload, round int) trialOut {
	out := trialOut{Framework: f.Name(), Workload: w.ID, Round: round}
	exe, err := os.Executable()
	if err != nil {
		out.Err = err.Error()
		return out
	}
	ctx, cancel := context.WithTimeout(context.Background(), sizes(o).Trial+time.Minute)
	defer cancel()
	args := []string{"-trial", f.Name() + "/" + w.ID, "-python", o.python}
	if o.quick {
		args = append(args, "-quick")
	}
	if o.cpuprofile != "" {
		args = append(args, "-cpuprofile", o.cpuprofile)
	}
	cmd := exec.CommandContext(ctx, exe, args...)
	var stderr tail
	cmd.Stderr = &stderr
	start := time.Now()
	stdout, err := cmd.Output()
	out.Wall = time.Since(start)
	sc := bufio.NewScanner(bytes.NewReader(stdout))
	for sc.Scan() {
		kind, rest, _ := strings.Cut(sc.Text(), " ")
		switch kind {
		case "result", "partial":
			if jerr := json.Unmarshal([]byte(rest), &out.Result); jerr != nil {
				out.Err = jerr.Error()
			}
		case "na":
			out.NA = rest
		case "missing":
			out.NA, out.Missing = rest, true
		case "error":
			out.Err = rest
		}
	}
	if err != nil && out.Err == "" {
		out.Err = err.Error()
	}
	if out.Err != "" && stderr.Len() > 0 {
		out.Err += " | stderr: " + strings.ReplaceAll(strings.TrimSpace(stderr.String()), "\n", " / ")
	}
	return out
}

// tail keeps the last 2 KiB written to it.
type tail struct{ bytes.Buffer }

func (t *tail) Write(p []byte) (int, error) {
	t.Buffer.Write(p)
	if t.Len() > 2048 {
		b := slices.Clone(t.Bytes()[t.Len()-2048:])
		t.Reset()
		t.Buffer.Write(b)
	}
	return len(p), nil
}

// compareMain runs every trial and writes the results.
func compareMain(o options) error {
	if o.rounds < 1 {
		return fmt.Errorf("-rounds %d: at least 1", o.rounds)
	}
	fws := frameworks(o.python)
	if o.fws != "" {
		keep := strings.Split(o.fws, ",")
		fws = slices.DeleteFunc(fws, func(f bench.Framework) bool {
			return f.Name() != "troupe" && !slices.Contains(keep, f.Name())
		})
	}
	workloads := bench.Workloads()
	if o.only != "" {
		keep := strings.Split(o.only, ",")
		for _, id := range keep {
			if _, err := lookupWorkload(id); err != nil {
				return err
			}
		}
		workloads = slices.DeleteFunc(workloads, func(w bench.Workload) bool { return !slices.Contains(keep, w.ID) })
	}
	run := newRun(o, fws, workloads)
	fmt.Fprintf(os.Stderr, "%s of %d workloads on %d frameworks; load average %s\n",
		plural(o.rounds, "round"), len(workloads), len(fws), run.LoadStart)
	na := map[[2]string]bool{}
	for round := range o.rounds {
		for _, w := range workloads {
			for i := range fws {
				f := fws[(i+round)%len(fws)]
				if na[[2]string{w.ID, f.Name()}] {
					continue
				}
				t := runChild(o, f, w, round)
				run.add(t)
				if t.NA != "" {
					na[[2]string{w.ID, f.Name()}] = true
				}
				fmt.Fprintf(os.Stderr, "round %d/%d  %-10s %-10s %s\n", round+1, o.rounds, w.ID, f.Name(), run.describe(w, t))
			}
		}
		run.LoadRounds = append(run.LoadRounds, loadAverage())
	}
	run.finish()

	page := run.markdown()
	fmt.Println(run.table())
	if o.md != "" {
		if err := os.WriteFile(o.md, []byte(page), 0o644); err != nil {
			return err
		}
	}
	if o.svg != "" {
		if err := os.WriteFile(o.svg, []byte(run.svg()), 0o644); err != nil {
			return err
		}
	}
	if o.jsonOut != "" {
		js, err := json.MarshalIndent(run.Trials, "", "  ")
		if err != nil {
			return err
		}
		if err := os.WriteFile(o.jsonOut, js, 0o644); err != nil {
			return err
		}
	}
	return run.verdict(o.strict)
}

// loadAverage is the first three fields of /proc/loadavg.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}
