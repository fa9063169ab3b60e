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
	"github.com/troupe-go/troupe/cluster"
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

	// Cluster, when not nil, makes the node a member of a troupe cluster
	// (cluster.Start) that hosts the rooms as grains of kind RoomKind: any
	// room name exists once someone uses it, and a room whose node dies
	// comes back, empty and with a new epoch, on another member on its next
	// message. It needs Remote, whose AllowRemoteSpawn it sets; its Kinds
	// are set to the rooms, its Logger defaults to the node's, and a zero
	// IdleAfter means never (a passivated room would take its history with
	// it). The node hosts at most Directory.MaxRooms rooms. The
	// directory then lists the rooms and spawns none: Directory.Rooms and
	// Directory.Peers must be empty (the directory meets every member the
	// cluster sees). Nil means rooms live where the directories make them.
	Cluster *cluster.Config

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
	// Cluster is the node's membership of the cluster that hosts the
	// rooms; nil unless NodeConfig.Cluster was set.
	Cluster *cluster.Cluster
	// Directory is the node's directory actor.
	Directory actor.PID
	// Gateway is the node's HTTP handler.
	Gateway *Gateway

	unsub  func() // ends the directory's subscription to the members, if any
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
	if cfg.Cluster != nil {
		switch {
		case cfg.Remote == nil:
			return nil, errors.New("chat: NodeConfig.Cluster needs Remote")
		case len(cfg.Directory.Rooms) > 0 || len(cfg.Directory.Peers) > 0:
			return nil, errors.New("chat: with NodeConfig.Cluster, rooms are grains: Directory.Rooms and Directory.Peers must be empty")
		}
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
		if cfg.Cluster != nil {
			rcfg.AllowRemoteSpawn = true // the cluster activates rooms through remote spawn
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
		if n.Cluster != nil {
			n.unsub()
			n.Cluster.Close()
		}
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
	dcfg.grains = cfg.Cluster != nil
	if n.Directory, err = SpawnDirectory(sys, dcfg); err != nil {
		return fail(err)
	}
	if cfg.Cluster != nil {
		if err := n.startCluster(*cfg.Cluster, dcfg.withDefaults(), logger); err != nil {
			return fail(err)
		}
		if err := m.ObserveCluster(n.Cluster); err != nil {
			return fail(err)
		}
	}
	gcfg := cfg.Gateway
	gcfg.Directory = n.Directory
	gcfg.Cluster = n.Cluster
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

// startCluster joins the cluster that hosts the rooms, and has the
// directory meet every member that comes alive, so that the room lists of
// all gateways agree.
func (n *Node) startCluster(ccfg cluster.Config, dcfg DirectoryConfig, logger *slog.Logger) error {
	store := newRoomStore(dcfg.Room, n.Directory, dcfg.MaxRooms)
	ccfg.Kinds = map[string]actor.Producer{RoomKind: store.producer()}
	if ccfg.IdleAfter == 0 {
		ccfg.IdleAfter = -1 // a passivated room would take its history with it
	}
	if ccfg.Logger == nil {
		ccfg.Logger = logger
	}
	self := n.Remote.Addr()
	// Subscribed before Start, so that no member's arrival is missed. A
	// member that is gone stops being a peer: its directory would only
	// pile up our announcements in a queue that never empties.
	n.unsub = n.System.Subscribe(func(ev actor.Event) {
		e, ok := ev.(cluster.MemberEvent)
		if !ok || e.Member.Addr == self {
			return
		}
		switch e.Member.State {
		case cluster.Alive:
			n.System.TrySend(n.Directory, Meet{Address: e.Member.Addr})
		case cluster.Dead, cluster.Left:
			n.System.TrySend(n.Directory, memberGone{Address: e.Member.Addr})
		}
	})
	c, err := cluster.Start(n.Remote, ccfg)
	if err != nil {
		n.unsub()
		return err
	}
	n.Cluster = c
	return nil
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

// Stop ends the event streams, stops the HTTP server, then the node's
// membership of the cluster, if any (it leaves, and its rooms stop), then
// the actors (the
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
		if n.Cluster != nil {
			// Before the System: the member leaves, so that the others
			// place its rooms elsewhere, and its rooms stop.
			n.unsub()
			err = errors.Join(err, n.Cluster.Stop(ctx))
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
