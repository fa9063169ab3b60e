package chat_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"testing"

	"github.com/troupe-go/troupe/examples/chat/chat"
)

// One user may have StreamsPerUser streams and long polls open at once;
// one more is refused with 429, and closing one makes room again.
func TestStreamsPerUserAreBounded(t *testing.T) {
	n := startNode(t, chat.NodeConfig{Gateway: chat.GatewayConfig{StreamsPerUser: 3}})
	var open []*stream
	for range 3 {
		open = append(open, openStream(t, n.URL(), "ann"))
	}
	r := do(t, "GET", n.URL()+"/users/ann/events", nil)
	if r.Status != http.StatusTooManyRequests {
		t.Fatalf("a 4th stream of ann: %d %s", r.Status, r.Body)
	}
	r.ErrorText(t)
	if r := do(t, "POST", n.URL()+"/poll/ann", nil); r.Status != http.StatusTooManyRequests {
		t.Fatalf("a long poll beside 3 streams of ann: %d %s", r.Status, r.Body)
	}
	openStream(t, n.URL(), "bob") // another user is not bounded by ann's
	open[0].close()
	eventually(t, "the closed stream is counted out", func() bool { return n.Gateway.Clients() == 3 })
	openStream(t, n.URL(), "ann")
}

// The gateway has at most MaxStreams streams and long polls open at once;
// one more is refused with 503 and Retry-After.
func TestStreamsPerGatewayAreBounded(t *testing.T) {
	n := startNode(t, chat.NodeConfig{Gateway: chat.GatewayConfig{MaxUsers: 4, MaxStreams: 4, User: fast}})
	for _, name := range []string{"ann", "ann", "bob", "carol"} {
		openStream(t, n.URL(), name)
	}
	for _, name := range []string{"ann", "dave"} {
		r := do(t, "GET", n.URL()+"/users/"+name+"/events", nil)
		if r.Status != http.StatusServiceUnavailable || r.Header.Get("Retry-After") == "" {
			t.Fatalf("a 5th stream, of %s: %d %s", name, r.Status, r.Body)
		}
		r.ErrorText(t)
	}
	if c := n.Gateway.Clients(); c != 4 {
		t.Fatalf("%d streams open, want 4", c)
	}
}

// fromAddr returns a client whose connections come from the loopback
// address ip, such as 127.0.0.2: to the gateway, another client.
func fromAddr(t *testing.T, ip string) *http.Client {
	t.Helper()
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	tr := &http.Transport{DialContext: d.DialContext}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: wait}
}

func joinFrom(t *testing.T, c *http.Client, base, room, user string) int {
	t.Helper()
	body, _ := json.Marshal(chat.UserRequest{User: user})
	res, err := c.Post(base+"/rooms/"+room+"/join", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

// A client that joins under a thousand names gets UsersPerAddr of them:
// it can fill neither the gateway's users nor the room's seats, and the
// next client joins as usual.
func TestJoinsUnderManyNamesFromOneClientAreBounded(t *testing.T) {
	n := startNode(t, chat.NodeConfig{
		Directory: chat.DirectoryConfig{Rooms: []string{"foo"}, Room: chat.RoomConfig{MaxUsers: 50}},
		Gateway:   chat.GatewayConfig{MaxUsers: 50, UsersPerAddr: 10, User: fast},
	})
	mallory := fromAddr(t, "127.0.0.1")
	statuses := map[int]int{}
	for i := range 1000 {
		statuses[joinFrom(t, mallory, n.URL(), "foo", fmt.Sprint("m", i))]++
	}
	if statuses[http.StatusOK] != 10 || statuses[http.StatusTooManyRequests] != 990 {
		t.Fatalf("1000 joins from one address: %v, want 10 joined and 990 refused with 429", statuses)
	}
	// The same names again take no more room.
	if st := joinFrom(t, mallory, n.URL(), "foo", "m0"); st != http.StatusOK {
		t.Fatalf("m0 joins again: %d", st)
	}
	ann := fromAddr(t, "127.0.0.2")
	for _, name := range []string{"ann", "bob"} {
		if st := joinFrom(t, ann, n.URL(), "foo", name); st != http.StatusOK {
			t.Fatalf("%s, from another address, cannot join: %d", name, st)
		}
	}
	if u := n.Gateway.Users(); u != 12 {
		t.Fatalf("%d users, want 12", u)
	}
}

func TestClientAddrCountsAnIPv6ClientByItsNetwork(t *testing.T) {
	for remote, want := range map[string]string{
		"127.0.0.1:5000":              "127.0.0.1",
		"[::ffff:10.0.0.1]:5000":      "::ffff:10.0.0.1",
		"[2001:db8:1:2:aaaa::1]:5000": "2001:db8:1:2::/64",
		"[2001:db8:1:2:bbbb::9]:6000": "2001:db8:1:2::/64",
		"[fe80::1%eth0]:5000":         "fe80::/64",
		"not an address":              "not an address",
	} {
		r := &http.Request{RemoteAddr: remote}
		if got := chat.ClientAddr(r); got != want {
			t.Errorf("%s counts as %q, want %q", remote, got, want)
		}
	}
}
