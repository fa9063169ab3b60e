package chat_test

import (
	"bufio"
	"context"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/troupe-go/troupe/examples/chat/chat"
	"github.com/troupe-go/troupe/examples/chat/internal/chattest"
)

// slowPost sends the headers of a post and part of its body to the
// node's gateway, and returns once the handler reads the body.
func slowPost(t *testing.T, n *chat.Node) (net.Conn, *bufio.Reader) {
	t.Helper()
	return chattest.SlowPost(t, n.Addr())
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
