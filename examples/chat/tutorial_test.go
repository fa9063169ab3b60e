//go:build unix

package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The tutorial, docs/tutorial/chat.md, is run as written: its shell
// commands in order (servers left running until the next heading, then
// stopped with Ctrl-C), the files of its steps written where a reader
// would write them, and each step's output compared with the page's.
// Before that, each step's code is built and vetted on its own.
//
// The commands bind fixed ports (8080, 8001, ...), so they run in a
// network namespace of their own where the system allows one (Linux, as
// root or with user namespaces), and otherwise on this machine's loopback
// if those ports are free.

// tutorial is the page, from this package's directory.
const tutorial = "../../docs/tutorial/chat.md"

// envNetns tells a re-run of this test binary that it is the child in the
// network namespace, and where the tutorial's directories are.
const envNetns = "TROUPE_TUTORIAL_NETNS"

// block is a part of the page: a heading, a file of a step, shell
// commands, or the output they print.
type block struct {
	kind string // "heading", "file", "sh", "text"
	name string // a file's name
	body string
}

var fence = regexp.MustCompile("(?m)^```(\\w*) ?(\\S*)\\n")

// parseTutorial returns the page's headings and fenced blocks, in order.
func parseTutorial(t *testing.T, path string) []block {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var blocks []block
	rest := string(data)
	for {
		loc := fence.FindStringSubmatchIndex(rest)
		if loc == nil {
			blocks = append(blocks, headings(rest)...)
			return blocks
		}
		blocks = append(blocks, headings(rest[:loc[0]])...)
		lang, name := rest[loc[2]:loc[3]], rest[loc[4]:loc[5]]
		body := rest[loc[1]:]
		end := strings.Index(body, "```\n")
		if end < 0 {
			t.Fatalf("%s: a fenced block does not end", path)
		}
		body, rest = body[:end], body[end+4:]
		switch {
		case lang == "go" && name != "":
			blocks = append(blocks, block{kind: "file", name: name, body: body})
		case lang == "sh", lang == "text":
			blocks = append(blocks, block{kind: lang, body: body})
		}
	}
}

func headings(s string) []block {
	var bs []block
	for _, line := range strings.Split(s, "\n") {
		if strings.HasPrefix(line, "## ") || strings.HasPrefix(line, "### ") {
			bs = append(bs, block{kind: "heading", name: strings.TrimLeft(line, "# ")})
		}
	}
	return bs
}

func TestTutorial(t *testing.T) {
	if dir := os.Getenv(envNetns); dir != "" {
		if err := loopbackUp(); err != nil {
			t.Fatalf("in the network namespace: %v", err)
		}
		runTutorial(t, parseTutorial(t, tutorial), dir)
		return
	}
	if testing.Short() {
		t.Skip("builds the tutorial's steps and runs its commands")
	}
	if _, err := exec.LookPath("curl"); err != nil {
		if os.Getenv("TROUPE_REQUIRE_CURL") != "" {
			t.Fatal("no curl, and TROUPE_REQUIRE_CURL is set: install it (apt-get install curl)")
		}
		t.Skip("no curl: the tutorial's commands use it (apt-get install curl)")
	}
	blocks := parseTutorial(t, tutorial)
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	buildSteps(t, blocks, root)

	// The reader's directories: the clone (here, a link to this one) and,
	// beside it, the module the steps build.
	dir := t.TempDir()
	if err := os.Symlink(root, filepath.Join(dir, "troupe")); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestTutorial$", "-test.v", "-test.timeout=7m")
	cmd.Env = append(os.Environ(), envNetns+"="+dir)
	cmd.SysProcAttr = netnsAttr()
	var out []byte
	err = errors.ErrUnsupported
	if cmd.SysProcAttr != nil {
		out, err = cmd.CombinedOutput()
	}
	var exit *exec.ExitError
	switch {
	case err == nil:
		t.Logf("the tutorial ran in a network namespace of its own:\n%s", tail(out, 30))
	case errors.As(err, &exit):
		t.Fatalf("the tutorial, in a network namespace of its own: %v\n%s", err, out)
	default:
		// No namespace here: the machine's loopback, if its ports are free.
		t.Logf("no network namespace (%v): running on this machine's loopback", err)
		for _, port := range []string{"8080", "8081", "8082", "8001", "8002", "8003", "7001", "7002", "7003"} {
			ln, err := net.Listen("tcp", "127.0.0.1:"+port)
			if err != nil {
				t.Skipf("port %s is taken, and no network namespace could be made: %v", port, err)
			}
			ln.Close()
		}
		runTutorial(t, blocks, dir)
	}
}

// tail returns the last n lines of b.
func tail(b []byte, n int) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// goEnv is the environment of the go commands the tutorial runs: the
// module cache that buildSteps filled, and no network, which a namespace
// does not have.
func goEnv() []string {
	return append(os.Environ(), "GOPROXY=off", "GOSUMDB=off", "GOWORK=off", "GOFLAGS=")
}

// buildSteps writes each step's files, as they stand after the step, into
// a module of their own that uses this clone, and builds and vets it.
func buildSteps(t *testing.T, blocks []block, root string) {
	t.Helper()
	files := map[string]string{}
	step := ""
	built := 0
	build := func() {
		if step == "" || len(files) == 0 {
			return
		}
		dir := t.TempDir()
		for name, body := range files {
			if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		for _, args := range [][]string{
			{"mod", "init", "example.com/chat"},
			{"mod", "edit", "-require=github.com/troupe-go/troupe@v0.0.0", "-replace=github.com/troupe-go/troupe=" + root},
			{"mod", "tidy"},
			{"vet", "."},
			{"build", "-o", os.DevNull, "."},
		} {
			cmd := exec.Command("go", args...)
			cmd.Dir = dir
			cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=")
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("%s: go %s: %v\n%s", step, strings.Join(args, " "), err, out)
			}
		}
		built++
	}
	for _, b := range blocks {
		switch b.kind {
		case "heading":
			build()
			step = ""
			if strings.HasPrefix(b.name, "Step ") {
				step = b.name
			}
		case "file":
			if step == "" {
				t.Fatalf("the file %s is not in a step", b.name)
			}
			files[b.name] = b.body
		}
	}
	build()
	if built < 5 {
		t.Fatalf("built %d steps, want 5", built)
	}
	// What the commands run with go run, built once so that they start
	// at once.
	cmd := exec.Command("go", "build", "-o", os.DevNull, "./examples/chat")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./examples/chat: %v\n%s", err, out)
	}
}

// server is a command left running: the demo, a step's gateway.
type server struct {
	line   string
	cmd    *exec.Cmd
	done   chan error
	out    string // what it printed, once done
	errOut string // and on stderr
}

// runTutorial runs the page's commands in order, starting in dir, where
// the clone is "troupe".
func runTutorial(t *testing.T, blocks []block, dir string) {
	t.Helper()
	cwd := dir
	var servers []*server
	stopServers := func() {
		stopping := servers
		servers = nil
		for _, s := range stopping {
			// Ctrl-C reaches every process of the command's group, as
			// in a terminal: go run and the program it started.
			syscall.Kill(-s.cmd.Process.Pid, syscall.SIGINT)
			select {
			case err := <-s.done:
				// go run itself exits 1 when interrupted, even when its
				// program ends well; when the program fails, go run says
				// "exit status N".
				var exit *exec.ExitError
				interrupted := errors.As(err, &exit) && exit.ExitCode() == 1 &&
					strings.HasPrefix(s.line, "go run ") && !strings.Contains(s.errOut, "exit status")
				if err != nil && !interrupted {
					t.Errorf("%s: after Ctrl-C: %v", s.line, err)
				}
				if strings.Contains(s.out, "chat: stopping") && !strings.Contains(s.out, "chat: stopped") {
					t.Errorf("%s: did not stop cleanly after Ctrl-C:\n%s", s.line, s.out)
				}
			case <-time.After(wait):
				syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
				<-s.done
				t.Errorf("%s: still running %v after Ctrl-C", s.line, wait)
			}
		}
		if t.Failed() {
			t.FailNow()
		}
	}
	defer stopServers()
	commands := 0
	for i, b := range blocks {
		switch b.kind {
		case "heading":
			stopServers()
		case "file":
			if err := os.WriteFile(filepath.Join(cwd, b.name), []byte(b.body), 0o644); err != nil {
				t.Fatal(err)
			}
		case "sh":
			var output *block // what the block's last command prints
			if i+1 < len(blocks) && blocks[i+1].kind == "text" {
				output = &blocks[i+1]
			}
			lines := commandLines(b.body)
			for k, line := range lines {
				commands++
				last := k == len(lines)-1
				switch {
				case strings.HasPrefix(line, "git clone "):
					// The clone is there already.
				case strings.HasPrefix(line, "cd "):
					cwd = filepath.Join(cwd, strings.TrimPrefix(line, "cd "))
					if _, err := os.Stat(cwd); err != nil {
						t.Fatalf("%s: %v", line, err)
					}
				case strings.HasPrefix(line, "go run ") && !(last && output != nil):
					servers = append(servers, startServer(t, cwd, line))
				default:
					out := runCommand(t, cwd, line)
					if last && output != nil && strings.TrimSpace(out) != strings.TrimSpace(output.body) {
						t.Fatalf("%s printed:\n%s\nthe tutorial shows:\n%s", line, out, output.body)
					}
				}
			}
		}
	}
	t.Logf("ran %d commands of the tutorial", commands)
}

// commandLines returns the commands of a shell block: its lines that are
// neither blank nor comments (which show what a command prints).
func commandLines(body string) []string {
	var lines []string
	for _, l := range strings.Split(body, "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			lines = append(lines, l)
		}
	}
	return lines
}

// shell returns the command that runs line with sh in cwd, in a process
// group of its own. The shell execs the line's command, if it is a
// simple one, so that a Ctrl-C reaches it and not a shell in between.
func shell(cwd, line string) *exec.Cmd {
	if !strings.ContainsAny(line, "&|;") {
		line = "exec " + line
	}
	cmd := exec.Command("sh", "-c", line)
	cmd.Dir = cwd
	cmd.Env = goEnv()
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	return cmd
}

// runCommand runs line to its end and returns what it printed. A curl
// that fails, or whose answer is an error, is tried again for a while: a
// server may still be starting, or its node still meeting the others, as
// a person typing would find.
func runCommand(t *testing.T, cwd, line string) string {
	t.Helper()
	deadline := time.Now().Add(wait)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		cmd := shell(cwd, line)
		var out, errOut bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errOut
		err := cmd.Start()
		if err == nil {
			stop := context.AfterFunc(ctx, func() { syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) })
			err = cmd.Wait()
			stop()
		}
		cancel()
		curl := strings.HasPrefix(line, "curl ")
		if err == nil && curl && strings.Contains(out.String(), `"error"`) {
			err = errors.New("the answer is an error")
		}
		switch {
		case err == nil:
			return out.String()
		case curl && time.Now().Before(deadline):
			time.Sleep(50 * time.Millisecond)
		default:
			t.Fatalf("%s: %v\n%s%s", line, err, out.String(), errOut.String())
		}
	}
}

// startServer starts line and returns once it has printed its first line.
func startServer(t *testing.T, cwd, line string) *server {
	t.Helper()
	cmd := shell(cwd, line)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var errOut syncBuffer
	cmd.Stderr = &errOut
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &server{line: line, cmd: cmd, done: make(chan error, 1)}
	first := make(chan string, 1)
	go func() {
		r := bufio.NewReader(out)
		l, _ := r.ReadString('\n')
		first <- l
		rest, _ := io.ReadAll(r)
		err := cmd.Wait()
		s.out, s.errOut = l+string(rest), errOut.String()
		if err != nil {
			err = fmt.Errorf("%w\n%s%s", err, s.out, errOut.String())
		}
		s.done <- err
	}()
	select {
	case l := <-first:
		if l == "" {
			err := <-s.done
			t.Fatalf("%s: ended without a word: %v", line, err)
		}
	case <-time.After(2 * time.Minute):
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-s.done
		t.Fatalf("%s: printed nothing in 2 minutes", line)
	}
	return s
}

// syncBuffer is a bytes.Buffer that a command's stderr writes to while the
// test may read it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
