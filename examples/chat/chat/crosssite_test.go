package chat_test

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/troupe-go/troupe/examples/chat/chat"
	"github.com/troupe-go/troupe/examples/chat/internal/chattest"
)

// request makes a request with the given body and headers; "Host" sets
// the Host the request names.
func request(t *testing.T, method, url, body string, headers map[string]string) reply {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, url, bytes.NewReader([]byte(body)))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range headers {
		if k == "Host" {
			req.Host = v
			continue
		}
		req.Header.Set(k, v)
	}
	return chattest.Send(t, req)
}

// A page of another site cannot post, join or make rooms through the
// gateway: a browser sends such a request with Sec-Fetch-Site or Origin,
// and a text/plain body, which it may send without asking first, is not
// JSON to the gateway.
func TestCrossSiteRequestsAreRefused(t *testing.T) {
	n := startNode(t, chat.NodeConfig{})
	post := `{"user":"mallory","text":"posted from another site"}`
	join := `{"user":"mallory"}`
	self := n.URL() // the Origin of the gateway's own page
	cases := []struct {
		name, path, body string
		headers          map[string]string
		status           int
	}{
		{"text/plain post", "/rooms/foo/messages", post, map[string]string{"Content-Type": "text/plain"}, 415},
		{"form post", "/rooms/foo/messages", post, map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, 415},
		{"post with no type", "/rooms/foo/messages", post, nil, 415},
		{"text/plain join", "/rooms/foo/join", join, map[string]string{"Content-Type": "text/plain"}, 415},
		{"text/plain room", "/rooms", `{"name":"spam"}`, map[string]string{"Content-Type": "text/plain"}, 415},
		{"post from another origin", "/rooms/foo/messages", post, map[string]string{"Content-Type": "application/json", "Origin": "http://evil.example"}, 403},
		{"post from a sandboxed page", "/rooms/foo/messages", post, map[string]string{"Content-Type": "application/json", "Origin": "null"}, 403},
		{"cross-site by fetch metadata", "/rooms/foo/messages", post, map[string]string{"Content-Type": "text/plain", "Sec-Fetch-Site": "cross-site"}, 403},
		{"join from another origin", "/rooms/foo/join", join, map[string]string{"Content-Type": "application/json", "Origin": "http://evil.example"}, 403},
		{"room from another origin", "/rooms", `{"name":"spam"}`, map[string]string{"Content-Type": "application/json", "Origin": "http://evil.example"}, 403},
		{"poll from another origin", "/poll/mallory", "", map[string]string{"Origin": "http://evil.example"}, 403},
	}
	for _, c := range cases {
		r := request(t, "POST", n.URL()+c.path, c.body, c.headers)
		if r.Status != c.status {
			t.Errorf("%s: %d %s, want %d", c.name, r.Status, r.Body, c.status)
			continue
		}
		r.ErrorText(t)
	}
	if u := n.Gateway.Users(); u != 0 {
		t.Fatalf("the refused requests made %d users", u)
	}
	if rooms := roomsOf(t, n); len(rooms) != 2 {
		t.Fatalf("the refused requests made rooms: %v", rooms)
	}
	// The gateway's own page, and clients that are not browsers, go on.
	r := request(t, "POST", n.URL()+"/rooms/foo/messages", `{"user":"ann","text":"from the page"}`,
		map[string]string{"Content-Type": "application/json; charset=utf-8", "Origin": self, "Sec-Fetch-Site": "same-origin"})
	if r.Status != http.StatusCreated {
		t.Fatalf("a post from the page: %d %s", r.Status, r.Body)
	}
	say(t, n.URL(), "foo", "ann", "from curl")
	var backlog []chat.Message
	do(t, "GET", n.URL()+"/rooms/foo/backlog", nil).Decode(t, &backlog)
	if len(backlog) != 2 {
		t.Fatalf("backlog: %+v", backlog)
	}
}

// A request must name a Host the gateway answers to: an IP address,
// localhost, or one of GatewayConfig.Hosts. A page whose own name was made
// to point at 127.0.0.1 (DNS rebinding) reads nothing.
func TestRequestsForAnotherHostAreRefused(t *testing.T) {
	n := startNode(t, chat.NodeConfig{Gateway: chat.GatewayConfig{Hosts: []string{"chat.example"}}})
	_, port, _ := strings.Cut(n.Addr(), ":")
	for _, c := range []struct {
		host   string
		status int
	}{
		{"evil.example:" + port, 403},
		{"evil.example", 403},
		{"localhost.evil.example:" + port, 403},
		{"127.0.0.1.evil.example", 403},
		{"127.0.0.1:" + port, 200},
		{"localhost:" + port, 200},
		{"LOCALHOST", 200},
		{"chat.localhost:" + port, 200},
		{"[::1]:" + port, 200},
		{"chat.example:" + port, 200},
		{"Chat.Example.", 200},
	} {
		for _, path := range []string{"/rooms", "/rooms/foo/backlog", "/", "/metrics"} {
			r := request(t, "GET", n.URL()+path, "", map[string]string{"Host": c.host})
			if r.Status != c.status {
				t.Errorf("GET %s for Host %s: %d, want %d", path, c.host, r.Status, c.status)
			}
			if c.status == 403 && !strings.Contains(r.ErrorText(t), "host") {
				t.Errorf("GET %s for Host %s does not say why: %s", path, c.host, r.Body)
			}
		}
	}
}
