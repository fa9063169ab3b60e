// Package gevent measures gevent, the design's ancestor, through Debian's
// python3-gevent: the line echo server of its StreamServer (echo.py), and
// ping-pong between actors made the way its tutorial makes them
// (pingpong.py). The scripts are embedded and run with the Python given to
// New; the runner's Go client loads the echo server like the others.
package gevent

import (
	"bufio"
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"

	"github.com/troupe-go/troupe/benchmarks/bench"
)

var (
	//go:embed echo.py
	echoScript string
	//go:embed pingpong.py
	pingPongScript string
)

// Framework is gevent under one Python interpreter.
type Framework struct {
	bench.Unsupported
	python  string
	once    sync.Once
	version string
	missing error // why gevent cannot be run, found by probe
}

// New uses python, which must import gevent (Debian: /usr/bin/python3 with
// python3-gevent installed).
func New(python string) *Framework { return &Framework{python: python} }

func (*Framework) Name() string { return "gevent" }

func (f *Framework) Version() string {
	f.probe()
	if f.missing != nil {
		return "not installed"
	}
	return f.version
}

// probe asks the interpreter for gevent's version, once.
func (f *Framework) probe() {
	f.once.Do(func() {
		out, err := exec.Command(f.python, "-c",
			"import gevent, platform; print(gevent.__version__, platform.python_implementation(), platform.python_version())").Output()
		if err != nil {
			f.missing = bench.NotInstalled(fmt.Sprintf("gevent not importable by %s: apt-get install python3-gevent", f.python))
			return
		}
		v := strings.Fields(string(out))
		if len(v) != 3 {
			f.missing = fmt.Errorf("gevent version: %q", out)
			return
		}
		f.version = fmt.Sprintf("gevent %s, %s %s", v[0], v[1], v[2])
		if deb, err := exec.Command("dpkg-query", "-W", "-f", "${Version}", "python3-gevent").Output(); err == nil && len(deb) > 0 {
			f.version += fmt.Sprintf(" (Debian python3-gevent %s)", deb)
		}
	})
}

func (f *Framework) PingPong(ctx context.Context, p bench.PingPong) (bench.Result, error) {
	if f.probe(); f.missing != nil {
		return bench.Result{}, f.missing
	}
	if p.Pairs != 1 {
		return bench.Result{}, bench.NotApplicable("one thread: measured with 1 pair")
	}
	cmd := exec.CommandContext(ctx, f.python, "-c", pingPongScript,
		strconv.Itoa(p.Pairs), strconv.Itoa(p.Batch), strconv.Itoa(p.Messages))
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return bench.Result{}, fmt.Errorf("pingpong.py: %w", err)
	}
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	for sc.Scan() {
		if js, ok := strings.CutPrefix(sc.Text(), "result "); ok {
			var r bench.Result
			err := json.Unmarshal([]byte(js), &r)
			return r, err
		}
	}
	return bench.Result{}, fmt.Errorf("pingpong.py printed no result: %q", out)
}

// StartServer runs echo.py; gevent has no remote actors.
func (f *Framework) StartServer(ctx context.Context, role string) (*bench.Server, error) {
	if f.probe(); f.missing != nil {
		return nil, f.missing
	}
	if role != "echo" {
		return nil, bench.NotApplicable("no remote actors")
	}
	return bench.StartProcess(ctx, exec.CommandContext(ctx, f.python, "-c", echoScript))
}
