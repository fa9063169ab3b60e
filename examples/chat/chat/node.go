package chat

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/troupe-go/troupe/actor"
)

// NodeConfig configures a chat node. Its zero value works: a node on
// 127.0.0.1 with a gateway on a free port and no room yet.
type NodeConfig struct {
	// HTTP is the gateway's address, host:port. "" means 127.0.0.1 on a
	// free port (see Node.URL).
	HTTP string

	// Directory configures the node's directory, and the rooms it creates
	// at start.
	Directory DirectoryConfig

	// Gateway configures the node's gateway.
	Gateway GatewayConfig

	// Logger receives the logs of the System and the gateway. Nil means
	// none.
	Logger *slog.Logger
}

// Node is one chat node: an actor System with its directory and rooms, and
// a gateway served over HTTP.
type Node struct {
	// System runs the node's actors.
	System *actor.System
	// Directory is the node's directory actor.
	Directory actor.PID
	// Gateway is the node's HTTP handler.
	Gateway *Gateway

	srv    *http.Server
	ln     net.Listener
	served chan error

	stopOnce sync.Once
	stopErr  error
}

// StartNode starts a node and its gateway, and returns once the gateway
// listens.
func StartNode(cfg NodeConfig) (*Node, error) {
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	addr := cfg.HTTP
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	sys := actor.NewSystem(actor.WithLogger(logger))
	n := &Node{System: sys, served: make(chan error, 1)}
	fail := func(err error) (*Node, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		sys.Shutdown(ctx)
		return nil, err
	}
	var err error
	if n.Directory, err = SpawnDirectory(sys, cfg.Directory); err != nil {
		return fail(err)
	}
	gcfg := cfg.Gateway
	gcfg.Directory = n.Directory
	if gcfg.Logger == nil {
		gcfg.Logger = logger
	}
	if n.Gateway, err = NewGateway(sys, gcfg); err != nil {
		return fail(err)
	}
	if n.ln, err = net.Listen("tcp", addr); err != nil {
		return fail(err)
	}
	n.srv = &http.Server{
		Handler:           n.Gateway,
		ReadHeaderTimeout: 5 * time.Second,
		IdleTimeout:       time.Minute,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelDebug),
	}
	go func() { n.served <- n.srv.Serve(n.ln) }()
	return n, nil
}

// URL returns the gateway's URL, http://host:port.
func (n *Node) URL() string { return "http://" + n.ln.Addr().String() }

// Addr returns the address the gateway listens on.
func (n *Node) Addr() string { return n.ln.Addr().String() }

// Stop ends the event streams, stops the HTTP server and then the actors,
// waiting for all of it until ctx is done. A second Stop returns what the
// first did.
func (n *Node) Stop(ctx context.Context) error {
	n.stopOnce.Do(func() {
		n.Gateway.Close()
		err := n.srv.Shutdown(ctx)
		if serr := <-n.served; !errors.Is(serr, http.ErrServerClosed) {
			err = errors.Join(err, serr)
		}
		n.stopErr = errors.Join(err, n.System.Shutdown(ctx))
	})
	return n.stopErr
}
