package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/troupe-go/troupe/examples/chat/internal/chattest"
)

func TestMain(m *testing.M) {
	// TestSecondCtrlCQuitsAtOnce runs this binary as the command itself.
	if os.Getenv("CHAT_TEST_MAIN") != "" {
		main()
		os.Exit(0)
	}
	goleak.VerifyTestMain(m)
}

const wait = 15 * time.Second

var gatewayLine = regexp.MustCompile(`^chat: (?:one node, no network|node (?:[a-z]+ )?at (\S+)): gateway (http://127\.0\.0\.1:[0-9]+), rooms: (.*)$`)

// demo runs the command with args, and its gateways on free ports, until
// the test ends, and returns the nodes it prints: their network addresses,
// gateway URLs and rooms.
func demo(t *testing.T, args ...string) (addrs, urls, rooms []string) {
	t.Helper()
	args = append([]string{"-http", "127.0.0.1:0"}, args...)
	ctx, cancel := context.WithCancel(context.Background())
	outR, outW := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, args, strings.NewReader(""), outW, io.Discard)
		outW.Close()
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Error(err)
			}
		case <-time.After(wait):
			t.Error("the command did not stop")
		}
		http.DefaultClient.CloseIdleConnections()
	})
	lines := bufio.NewScanner(outR)
	for lines.Scan() {
		m := gatewayLine.FindStringSubmatch(lines.Text())
		if m == nil {
			break // the line after the nodes
		}
		addrs, urls, rooms = append(addrs, m[1]), append(urls, m[2]), append(rooms, m[3])
	}
	go io.Copy(io.Discard, outR)
	return addrs, urls, rooms
}

// roomsAt waits until the gateway at url lists n rooms, and returns them:
// room name to node address, and room name and "@" to node name.
func roomsAt(t *testing.T, url string, n int) map[string]string {
	t.Helper()
	deadline := time.Now().Add(wait)
	for {
		res, err := http.Get(url + "/rooms")
		if err != nil {
			t.Fatal(err)
		}
		var infos []struct{ Name, Node, NodeName string }
		err = json.NewDecoder(res.Body).Decode(&infos)
		res.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		if len(infos) == n {
			m := make(map[string]string)
			for _, i := range infos {
				m[i.Name] = i.Node
				m[i.Name+"@"] = i.NodeName
			}
			return m
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s lists %+v, want %d rooms", url, infos, n)
		}
		time.Sleep(10 * time.Millisecond) // the directories are still talking
	}
}

// The demo: three nodes, members of one cluster, rooms foo and bar where
// the cluster placed them, every gateway knowing both, until the context
// ends.
func TestDemoRunsThreeNodes(t *testing.T) {
	addrs, urls, rooms := demo(t)
	if len(urls) != 3 {
		t.Fatalf("the demo printed %d nodes, want 3", len(urls))
	}
	checkPlacement(t, addrs, urls, rooms)
}

// -nodes 10: ten members; a room nobody made is made by joining it
// through one gateway, and every gateway lists it.
func TestDemoRunsTenNodes(t *testing.T) {
	addrs, urls, rooms := demo(t, "-nodes", "10")
	if len(urls) != 10 {
		t.Fatalf("the demo printed %d nodes, want 10", len(urls))
	}
	checkPlacement(t, addrs, urls, rooms)
	res, err := http.Post(urls[9]+"/rooms/zed/join", "application/json", strings.NewReader(`{"user":"ann"}`))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("join zed, a room nobody made: %s", res.Status)
	}
	for _, u := range urls {
		roomsAt(t, u, 3)
	}
}

// checkPlacement checks that the demo's nodes host foo and bar once
// between them, as printed, and that every gateway lists each room on the
// node that printed it, by the name the console uses.
func checkPlacement(t *testing.T, addrs, urls, rooms []string) {
	t.Helper()
	host := map[string]int{}
	for i, rs := range rooms {
		if rs == "-" {
			continue
		}
		for _, r := range strings.Split(rs, ", ") {
			if _, ok := host[r]; ok {
				t.Fatalf("room %s printed twice: %q", r, rooms)
			}
			host[r] = i
		}
	}
	if len(host) != 2 {
		t.Fatalf("rooms per node: %q, want foo and bar once", rooms)
	}
	for _, u := range urls {
		where := roomsAt(t, u, 2)
		for r, i := range host {
			if where[r] != addrs[i] || where[r+"@"] != string(rune('a'+i)) {
				t.Fatalf("%s says %s is on %q (node %q); want %s (node %c)", u, r, where[r], where[r+"@"], addrs[i], 'a'+i)
			}
		}
	}
}

func TestOneNodeAlone(t *testing.T) {
	_, urls, rooms := demo(t, "-nodes", "1")
	if len(urls) != 1 || rooms[0] != "foo, bar" {
		t.Fatalf("nodes %q, rooms %q", urls, rooms)
	}
	roomsAt(t, urls[0], 2)
}

// freeAddr returns a loopback address with a port that was free a moment
// ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// Two nodes as they would run in two processes, with -listen and -peer.
func TestOneNodePerProcess(t *testing.T) {
	a, b := freeAddr(t), freeAddr(t)
	_, ua, _ := demo(t, "-listen", a, "-peer", b, "-rooms", "foo")
	_, ub, _ := demo(t, "-listen", b, "-peer", a, "-rooms", "bar")
	for _, u := range []string{ua[0], ub[0]} {
		where := roomsAt(t, u, 2)
		if where["foo"] != a || where["bar"] != b {
			t.Fatalf("%s: %+v", u, where)
		}
	}
}

// Two members of a cluster as they would run in two processes, with
// -listen, -gossip and -seed: a room nobody made is made by joining it
// through one, and both list it.
func TestClusterNodePerProcess(t *testing.T) {
	a, b := freeAddr(t), freeAddr(t)
	ga, gb := freeAddr(t), freeAddr(t)
	_, ua, rooms := demo(t, "-listen", a, "-gossip", ga)
	if rooms[0] != "-" {
		t.Fatalf("a member made rooms at start: %q", rooms)
	}
	_, ub, _ := demo(t, "-listen", b, "-gossip", gb, "-seed", ga)
	res, err := http.Post(ub[0]+"/rooms/zed/join", "application/json", strings.NewReader(`{"user":"ann"}`))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("join zed, a room nobody made: %s", res.Status)
	}
	for _, u := range []string{ua[0], ub[0]} {
		if where := roomsAt(t, u, 1); where["zed"] != a && where["zed"] != b {
			t.Fatalf("%s lists zed on %q", u, where["zed"])
		}
	}
}

func TestDurationBoundsTheDemo(t *testing.T) {
	err := run(context.Background(), []string{"-http", "127.0.0.1:0", "-duration", "50ms"}, strings.NewReader(""), io.Discard, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
}

func TestBadFlags(t *testing.T) {
	for _, args := range [][]string{{"-client"}, {"extra"}, {"-nope"}, {"-nodes", "0"}, {"-nodes", "27"},
		{"-gossip", "127.0.0.1:0"}, {"-listen", "127.0.0.1:0", "-gossip", "127.0.0.1:0", "-peer", "127.0.0.1:1"},
		{"-seed", "127.0.0.1:1"}} {
		if err := run(context.Background(), args, strings.NewReader(""), io.Discard, io.Discard); err == nil {
			t.Errorf("%q: no error", args)
		}
	}
}

// Ctrl-C (the context's end) stops the command within seconds, even while
// a client is sending a body slowly: the nodes' Stop does not wait for it.
func TestCtrlCStopsDespiteASlowClient(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	outR, outW := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-http", "127.0.0.1:0", "-nodes", "1", "-host", "chat.example"}, strings.NewReader(""), outW, io.Discard)
		outW.Close()
	}()
	lines := bufio.NewScanner(outR)
	if !lines.Scan() {
		t.Fatal("the command printed nothing")
	}
	m := gatewayLine.FindStringSubmatch(lines.Text())
	if m == nil {
		t.Fatalf("not a gateway line: %q", lines.Text())
	}
	go io.Copy(io.Discard, outR)
	addr := strings.TrimPrefix(m[2], "http://")

	// -host names a host the gateway answers to.
	req, _ := http.NewRequest("GET", m[2]+"/rooms", nil)
	req.Host = "chat.example"
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	http.DefaultClient.CloseIdleConnections()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET /rooms for Host chat.example: %s", res.Status)
	}

	conn, _ := chattest.SlowPost(t, addr)

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(wait):
		conn.Close()
		<-done
		t.Fatalf("the command still runs %v after Ctrl-C, held by a slow client", wait)
	}
}

// While the command stops (here held for its 5 s by a client that
// trickles a body), a second Ctrl-C ends it at once: the signal's default
// action, not a wait.
func TestSecondCtrlCQuitsAtOnce(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no SIGINT to send")
	}
	// A process started in the background of a script (as tests often
	// are) has Ctrl-C ignored, and so would the command, after its first:
	// env gives it a terminal's default, where the OS lets it.
	if err := exec.Command("env", "--default-signal=INT", "true").Run(); err != nil {
		t.Skipf("env --default-signal is not there (%v): the command would start with the interrupt as this test has it", err)
	}
	cmd := exec.Command("env", "--default-signal=INT", os.Args[0], "-nodes", "1", "-http", "127.0.0.1:0")
	cmd.Env = append(os.Environ(), "CHAT_TEST_MAIN=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	lines := make(chan string, 16)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
		done <- cmd.Wait()
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		for range lines {
		}
	})
	next := func() string {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("the command ended: %v", <-done)
			}
			return l
		case <-time.After(wait):
			t.Fatal("the command printed nothing more")
		}
		return ""
	}
	m := gatewayLine.FindStringSubmatch(next())
	if m == nil {
		t.Fatal("no gateway line")
	}
	chattest.SlowPost(t, strings.TrimPrefix(m[2], "http://"))

	cmd.Process.Signal(os.Interrupt)
	for !strings.HasPrefix(next(), "chat: stopping") {
	}
	cmd.Process.Signal(os.Interrupt)
	for range lines {
	}
	err = <-done
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ProcessState.Sys().(syscall.WaitStatus).Signal() != syscall.SIGINT {
		t.Fatalf("after a second Ctrl-C the command ended with %v, want killed by the interrupt", err)
	}
}
