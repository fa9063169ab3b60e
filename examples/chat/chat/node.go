package chat

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/troupe-go/troupe/actor"
	"github.com/troupe-go/troupe/metrics"
	"github.com/troupe-go/troupe/remote"
)

// NodeConfig configures a chat node. Its zero value works: a node on its
// own, on 127.0.0.1, with a gateway on a free port and no room yet.
type NodeConfig struct {
	// Name is the node's name: it labels the node's metrics (node="..."),
	// and pages and terminals show it (see DirectoryConfig.Node). "" means
	// none: the node is named by its address, and its metrics have no
	// node label (every node has a registry of its own).
	Name string

	// HTTP is the gateway's address, host:port. "" means 127.0.0.1 on a
	// free port (see Node.URL).
	HTTP string

	// Remote, when not nil, joins the node to the chat's network with
	// remote.Start: its Addr is the node's address, which the other nodes'
	// Directory.Peers name. The chat's types are registered on its Types,
	// which is made if nil; its Logger defaults to the node's. Nil means a
	// node on its own.
	Remote *remote.Config

	// Directory configures the node's directory: the rooms it creates at
	// start, and its peers.
	Directory DirectoryConfig

	// Gateway configures the node's gateway.
	Gateway GatewayConfig

	// Logger receives the logs of the System, the node and the gateway.
	// Nil means none.
	Logger *slog.Logger
}

// Node is one chat node: an actor System with its directory and rooms,
// joined to the other nodes when it has a network address, and a gateway
// served over HTTP with the node's Prometheus metrics at /metrics.
type Node struct {
	// System runs the node's actors.
	System *actor.System
	// Remote is the node's link to the others; nil for a node on its own.
	Remote *remote.Node
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

// StartNode starts a node, joins it to the network if cfg.Remote says so,
// and returns once its gateway listens.
func StartNode(cfg NodeConfig) (*Node, error) {
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	addr := cfg.HTTP
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	var rcfg remote.Config
	if cfg.Remote != nil {
		rcfg = *cfg.Remote
		if rcfg.Types == nil {
			rcfg.Types = remote.NewTypes()
		}
		RegisterTypes(rcfg.Types)
		if rcfg.Logger == nil {
			rcfg.Logger = logger
		}
		if rcfg.Expose == nil {
			// Other nodes send to rooms and directories and watch them;
			// none may stop them (stopping a directory ends its rooms).
			rcfg.Expose = remote.NoRemoteStop
		}
	}

	reg := prometheus.NewRegistry()
	m, err := metrics.New(reg, metrics.WithNode(cfg.Name))
	if err != nil {
		return nil, err
	}
	sys := actor.NewSystem(actor.WithLogger(logger), actor.WithObserver(m.Observer()))
	n := &Node{System: sys, served: make(chan error, 1)}
	fail := func(err error) (*Node, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		sys.Shutdown(ctx)
		if n.Remote != nil {
			n.Remote.Close()
		}
		return nil, err
	}
	if err := m.Observe(sys); err != nil {
		return fail(err)
	}
	if cfg.Remote != nil {
		if n.Remote, err = remote.Start(sys, rcfg); err != nil {
			return fail(err)
		}
	}
	dcfg := cfg.Directory
	if dcfg.Node == "" {
		dcfg.Node = cfg.Name
	}
	if n.Directory, err = SpawnDirectory(sys, dcfg); err != nil {
		return fail(err)
	}
	gcfg := cfg.Gateway
	gcfg.Directory = n.Directory
	if gcfg.Node == "" {
		gcfg.Node = cfg.Name
	}
	if gcfg.Logger == nil {
		gcfg.Logger = logger
	}
	if n.Gateway, err = NewGateway(sys, gcfg); err != nil {
		return fail(err)
	}
	n.Gateway.Handle("GET /metrics", metrics.Handler(reg))
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

// NodeAddr returns the node's network address, or "" for a node on its own.
func (n *Node) NodeAddr() string {
	if n.Remote == nil {
		return ""
	}
	return n.Remote.Addr()
}

// Meet tells the node's directory about another node, at addr, for nodes
// whose addresses were not known when they started.
func (n *Node) Meet(addr string) error {
	return n.System.Send(n.Directory, Meet{Address: addr})
}

// Stop ends the event streams, stops the HTTP server, then the actors (the
// users of this node's rooms on other nodes are told, through their
// watches, that the rooms went away), then the node's network link, waiting
// for all of it until ctx is done. Requests still under way when ctx ends
// (a body that trickles in, say) have their connections closed: Stop never
// waits for a client. A second Stop returns what the first did.
func (n *Node) Stop(ctx context.Context) error {
	n.stopOnce.Do(func() {
		n.Gateway.Close()
		err := n.srv.Shutdown(ctx)
		if err != nil {
			n.srv.Close()
		}
		if serr := <-n.served; !errors.Is(serr, http.ErrServerClosed) {
			err = errors.Join(err, serr)
		}
		if werr := n.Gateway.Wait(ctx); werr != nil && ctx.Err() == nil {
			err = errors.Join(err, werr)
		}
		err = errors.Join(err, n.System.Shutdown(ctx))
		if n.Remote != nil {
			if rerr := n.Remote.Stop(ctx); rerr != nil {
				n.Remote.Close()
				err = errors.Join(err, rerr)
			}
		}
		n.stopErr = err
	})
	return n.stopErr
}
