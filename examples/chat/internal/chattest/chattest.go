package chattest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/troupe-go/troupe/cluster"
	"github.com/troupe-go/troupe/examples/chat/chat"
	"github.com/troupe-go/troupe/remote"
)

// Wait bounds every wait of the chat's tests: long enough for a busy CI
// machine under the race detector, short enough to fail instead of hang.
const Wait = 15 * time.Second

// Client makes the tests' requests. It keeps enough idle connections for
// the load test's users.
var Client = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 512}}

// Fast is a user config whose rate limit does not get in a test's way.
var Fast = chat.UserConfig{Rate: 1000, Burst: 1000}

// StartNode starts a node, stopped at the end of the test. Nil
// Directory.Rooms means rooms foo and bar; an empty list, none. A zero
// Gateway.User means Fast.
func StartNode(t testing.TB, cfg chat.NodeConfig) *chat.Node {
	t.Helper()
	if cfg.Directory.Rooms == nil {
		cfg.Directory.Rooms = []string{"foo", "bar"}
	}
	if cfg.Gateway.User == (chat.UserConfig{}) {
		cfg.Gateway.User = Fast
	}
	n, err := chat.StartNode(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), Wait)
		defer cancel()
		if err := n.Stop(ctx); err != nil {
			t.Errorf("stop node: %v", err)
		}
	})
	return n
}

// StartCluster starts one networked node per entry of rooms, hosting those
// rooms, with gateways configured by g, and introduces them to each other.
// It returns once every gateway knows every room.
func StartCluster(t testing.TB, g chat.GatewayConfig, rooms ...[]string) []*chat.Node {
	t.Helper()
	return StartNamedCluster(t, g, nil, rooms...)
}

// StartNamedCluster is StartCluster with node i named names[i] (see
// NodeConfig.Name), when there is one.
func StartNamedCluster(t testing.TB, g chat.GatewayConfig, names []string, rooms ...[]string) []*chat.Node {
	t.Helper()
	var nodes []*chat.Node
	var all []string
	for i, rs := range rooms {
		var name string
		if i < len(names) {
			name = names[i]
		}
		nodes = append(nodes, StartNode(t, chat.NodeConfig{
			Name: name,
			// The nodes share this process, so a peer falls silent only
			// when the process gets no CPU; the default 3 s timeout then
			// measures the machine's load, not the peer (TestLoad saw
			// goroutines wait 2.7 s for a CPU, and nodes declared down).
			// Wait is what the tests allow every other wait.
			Remote:    &remote.Config{Addr: "127.0.0.1:0", HeartbeatTimeout: Wait},
			Directory: chat.DirectoryConfig{Rooms: append([]string{}, rs...)},
			Gateway:   g,
		}))
		all = append(all, rs...)
	}
	for _, a := range nodes {
		for _, b := range nodes {
			if a != b {
				if err := a.Meet(b.NodeAddr()); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	for _, n := range nodes {
		Knows(t, n, all...)
	}
	return nodes
}

// StartGrains starts one networked node per name, members of one cluster
// on loopback that hosts the rooms as grains (see NodeConfig.Cluster), with
// gateways configured by g. It returns once every member sees every other
// alive.
func StartGrains(t testing.TB, g chat.GatewayConfig, names ...string) []*chat.Node {
	t.Helper()
	var nodes []*chat.Node
	for _, name := range names {
		ccfg := &cluster.Config{Profile: cluster.Loopback}
		if len(nodes) > 0 {
			ccfg.Seeds = []string{nodes[0].Cluster.GossipAddr()}
		}
		nodes = append(nodes, StartNode(t, chat.NodeConfig{
			Name:      name,
			Remote:    &remote.Config{Addr: "127.0.0.1:0"},
			Cluster:   ccfg,
			Directory: chat.DirectoryConfig{Rooms: []string{}},
			Gateway:   g,
		}))
	}
	for _, n := range nodes {
		Eventually(t, "node "+n.NodeAddr()+" sees every member", func() bool {
			alive := 0
			for _, m := range n.Cluster.Members() {
				if m.State == cluster.Alive {
					alive++
				}
			}
			return alive == len(nodes)
		})
	}
	return nodes
}

// Kill ends n as a crash would, as far as the others can tell: its
// member stops without leaving, and its node's connections drop. Its
// Stop, at the end of the test, stops what is left.
func Kill(t testing.TB, n *chat.Node) {
	t.Helper()
	n.Cluster.Close()
	n.Remote.Close()
}

// RoomsOf returns the rooms a gateway knows: name to node address.
func RoomsOf(t testing.TB, n *chat.Node) map[string]string {
	t.Helper()
	var infos []chat.RoomInfo
	Do(t, "GET", n.URL()+"/rooms", nil).Decode(t, &infos)
	m := make(map[string]string)
	for _, ri := range infos {
		m[ri.Name] = ri.Node
	}
	return m
}

// Knows waits until the gateway of n lists every room of names.
func Knows(t testing.TB, n *chat.Node, names ...string) {
	t.Helper()
	Eventually(t, "node "+n.NodeAddr()+" knows "+strings.Join(names, ", "), func() bool {
		rooms := RoomsOf(t, n)
		for _, name := range names {
			if _, ok := rooms[name]; !ok {
				return false
			}
		}
		return true
	})
}

// Reply is an HTTP answer, read whole.
type Reply struct {
	Status int
	Header http.Header
	Body   []byte
}

// Decode decodes the answer's JSON body into v.
func (r Reply) Decode(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode %s: %v", r.Body, err)
	}
}

// ErrorText returns the "error" of a JSON error body, failing the test if
// the body is not one.
func (r Reply) ErrorText(t testing.TB) string {
	t.Helper()
	var e struct {
		Error  string `json:"error"`
		Status int    `json:"status"`
	}
	r.Decode(t, &e)
	if e.Error == "" || e.Status != r.Status {
		t.Fatalf("error body %s does not tell the error and the status %d", r.Body, r.Status)
	}
	return e.Error
}

// Do makes a request with a raw body (sent as JSON when not nil) and reads
// the answer.
func Do(t testing.TB, method, url string, body []byte) Reply {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), Wait)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return Send(t, req)
}

// Send makes the request req and reads the answer.
func Send(t testing.TB, req *http.Request) Reply {
	t.Helper()
	res, err := Client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return Reply{Status: res.StatusCode, Header: res.Header, Body: b}
}

// Call makes a request with v as its JSON body.
func Call(t testing.TB, method, url string, v any) Reply {
	t.Helper()
	var body []byte
	if v != nil {
		var err error
		if body, err = json.Marshal(v); err != nil {
			t.Fatal(err)
		}
	}
	return Do(t, method, url, body)
}

// Eventually waits until cond holds, checking it every few milliseconds,
// and fails the test if it does not hold within Wait. It is for states
// that no event announces (a handler has returned, a directory has heard
// of a room).
func Eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(Wait)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, Wait)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// SlowPost opens a connection to the gateway at addr, sends the headers of
// a post to room foo and part of its body, and returns once the handler
// is reading the body (Expect: 100-continue makes the server say so),
// with the connection and its reader for the answer. The connection is
// closed at the end of the test.
func SlowPost(t testing.TB, addr string) (net.Conn, *bufio.Reader) {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, Wait)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	conn.SetDeadline(time.Now().Add(Wait))
	fmt.Fprintf(conn, "POST /rooms/foo/messages HTTP/1.1\r\nHost: %s\r\n"+
		"Content-Type: application/json\r\nContent-Length: 100\r\nExpect: 100-continue\r\n\r\n", addr)
	r := bufio.NewReader(conn)
	line, err := r.ReadString('\n')
	if err != nil || !strings.Contains(line, "100 Continue") {
		t.Fatalf("before the body: %q, %v", line, err)
	}
	if _, err := r.ReadString('\n'); err != nil { // the blank line after it
		t.Fatal(err)
	}
	if _, err := conn.Write([]byte(`{"user":"ann",`)); err != nil {
		t.Fatal(err)
	}
	return conn, r
}
