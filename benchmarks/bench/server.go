package bench

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"
)

// The server process of a two-process workload speaks a line protocol on
// its standard streams, whatever its language:
//
//	stdout: "ready <addr>" once it listens, or "na <reason>";
//	stdin:  closed by the client when the trial is over (or when the
//	        client dies), which stops the server;
//	stdout: "stats {json}" with its peak_heap and peak_rss, then it exits.
//
// Standard error goes to the client's standard error.

// ServeFlag is the flag with which a binary re-executes itself as a server:
// -serve framework/role.
const ServeFlag = "serve"

// Server is a running server process.
type Server struct {
	Addr  string
	cmd   *exec.Cmd
	stdin io.WriteCloser
	out   *bufio.Reader
	once  sync.Once
	stats Result
	err   error
}

// StartServer starts the server process that f has for role: its own
// (ServerStarter) or this binary re-executed with -serve and args.
func StartServer(ctx context.Context, f Framework, role string, args ...string) (*Server, error) {
	if s, ok := f.(ServerStarter); ok {
		return s.StartServer(ctx, role)
	}
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	args = append([]string{"-" + ServeFlag, f.Name() + "/" + role}, args...)
	return StartProcess(ctx, exec.CommandContext(ctx, exe, args...))
}

// StartProcess starts cmd and waits for its ready line.
func StartProcess(ctx context.Context, cmd *exec.Cmd) (*Server, error) {
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &Server{cmd: cmd, stdin: stdin, out: bufio.NewReader(stdout)}
	line := make(chan string, 1)
	go func() {
		l, _ := s.out.ReadString('\n')
		line <- strings.TrimSpace(l)
	}()
	select {
	case l := <-line:
		if addr, ok := strings.CutPrefix(l, "ready "); ok {
			s.Addr = addr
			return s, nil
		}
		s.Stop()
		if reason, ok := strings.CutPrefix(l, "na "); ok {
			return nil, NotApplicable(reason)
		}
		return nil, fmt.Errorf("server %s: no ready line (got %q)", cmd.Args, l)
	case <-time.After(30 * time.Second):
		s.Stop()
		return nil, fmt.Errorf("server %s: not ready after 30 s", cmd.Args)
	case <-ctx.Done():
		s.Stop()
		return nil, ctx.Err()
	}
}

// Stop closes the server's stdin, waits up to 15 s for its stats and its
// exit, and kills it after that. The stats are PeakHeap and PeakRSS.
func (s *Server) Stop() (Result, error) {
	s.once.Do(func() {
		s.stdin.Close()
		done := make(chan struct{})
		go func() {
			defer close(done)
			for {
				l, err := s.out.ReadString('\n')
				if js, ok := strings.CutPrefix(strings.TrimSpace(l), "stats "); ok {
					s.err = json.Unmarshal([]byte(js), &s.stats)
				}
				if err != nil {
					break
				}
			}
			if err := s.cmd.Wait(); err != nil && s.err == nil {
				s.err = fmt.Errorf("server %s: %w", s.cmd.Args, err)
			}
		}()
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			s.cmd.Process.Kill()
			<-done
			s.err = errors.Join(s.err, fmt.Errorf("server %s: killed after not stopping in 15 s", s.cmd.Args))
		}
	})
	return s.stats, s.err
}

// Serve is the server process's main: it runs serve until stdin closes
// or limit passes, and speaks the protocol above on stdout.
func Serve(limit time.Duration, serve func(ctx context.Context, ready func(addr string)) error) error {
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	go func() {
		io.Copy(io.Discard, os.Stdin)
		cancel()
	}()
	heap := StartHeapSampler()
	readied := false
	err := serve(ctx, func(addr string) {
		readied = true
		fmt.Printf("ready %s\n", addr)
	})
	if errors.Is(err, ErrNotApplicable) && !readied {
		fmt.Printf("na %s\n", err)
		return nil
	}
	js, _ := json.Marshal(Result{PeakHeap: heap.Stop(), PeakRSS: PeakRSS()})
	fmt.Printf("stats %s\n", js)
	return err
}
