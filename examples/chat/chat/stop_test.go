package chat_test

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/troupe-go/troupe/examples/chat/chat"
)

// slowPost opens a connection to the node's gateway, sends the headers of
// a post and part of its body, and returns once the handler is reading
// the body: Expect: 100-continue makes the server say so.
func slowPost(t *testing.T, n *chat.Node) (net.Conn, *bufio.Reader) {
	t.Helper()
	conn, err := net.DialTimeout("tcp", n.Addr(), wait)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	conn.SetDeadline(time.Now().Add(wait))
	fmt.Fprintf(conn, "POST /rooms/foo/messages HTTP/1.1\r\nHost: %s\r\n"+
		"Content-Type: application/json\r\nContent-Length: 100\r\nExpect: 100-continue\r\n\r\n", n.Addr())
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

// A client that sends a post's body slowly is answered 408 after the
// gateway's BodyTimeout, and holds nothing longer.
func TestASlowBodyIsCutOff(t *testing.T) {
	n := startNode(t, chat.NodeConfig{Gateway: chat.GatewayConfig{BodyTimeout: 50 * time.Millisecond}})
	_, r := slowPost(t, n)
	res, err := http.ReadResponse(r, nil)
	if err != nil {
		t.Fatalf("no answer to a slow body: %v", err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusRequestTimeout {
		t.Fatalf("a slow body: %s, want 408", res.Status)
	}
}

// Stop returns once its context ends, even while a client is still
// sending a body (with a BodyTimeout far longer than the test).
func TestASlowBodyDoesNotHoldStop(t *testing.T) {
	n, err := chat.StartNode(chat.NodeConfig{
		Directory: chat.DirectoryConfig{Rooms: []string{"foo"}},
		Gateway:   chat.GatewayConfig{BodyTimeout: time.Hour},
	})
	if err != nil {
		t.Fatal(err)
	}
	conn, _ := slowPost(t, n)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	stopped := make(chan error, 1)
	go func() { stopped <- n.Stop(ctx) }()
	select {
	case err := <-stopped:
		t.Logf("Stop: %v", err)
	case <-time.After(wait):
		conn.Close() // lets the old Stop go on, so that the test ends
		<-stopped
		t.Fatalf("Stop still waits for a slow body %v after its context ended", wait)
	}
}
