package main

import (
	"context"
	"crypto/sha256"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/troupe-go/troupe/cluster"
	"github.com/troupe-go/troupe/examples/chat/chat"
	"github.com/troupe-go/troupe/remote"
)

func main() {
	// After the first signal the nodes stop cleanly, within seconds; a
	// second one ends the process at once, as if nothing caught it. ctx
	// ends once stop has let the signals go, not before: the command says
	// "Ctrl-C again quits at once" when ctx ends, and it must be true then.
	sig, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	context.AfterFunc(sig, func() { stop(); cancel() })
	if err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "chat:", err)
		os.Exit(1)
	}
}

// defaultGateway is the URL of the gateway at -http's default address.
const defaultGateway = "http://127.0.0.1:8080"

// options are the command's flags.
type options struct {
	nodes    int
	listen   string
	node     string
	peers    peerList
	gossip   string
	seeds    peerList
	hosts    peerList
	cookie   string
	http     string
	rooms    []string
	duration time.Duration
	verbose  bool

	client  bool
	gateway string
	room    string
	name    string
}

// peerList collects the -peer and -host flags.
type peerList []string

func (p *peerList) String() string     { return strings.Join(*p, ",") }
func (p *peerList) Set(v string) error { *p = append(*p, v); return nil }

func parse(args []string, stderr io.Writer) (options, error) {
	var o options
	var rooms string
	fs := flag.NewFlagSet("chat", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.IntVar(&o.nodes, "nodes", 3, "how many nodes the demo runs in this process, members of one cluster (1: one node, no network)")
	fs.StringVar(&o.listen, "listen", "", "run one node of a chat on this network address (host:port) instead of the demo")
	fs.StringVar(&o.node, "node", "", "with -listen: the node's name, which pages and terminals show (\"\": its address)")
	fs.Var(&o.peers, "peer", "with -listen: another node's network address (repeat the flag)")
	fs.StringVar(&o.gossip, "gossip", "", "with -listen: make the node a member of a cluster whose rooms are grains, gossiping on this address (host:port), instead of using -peer")
	fs.Var(&o.seeds, "seed", "with -gossip: another member's -gossip address to join (repeat the flag; none: start a cluster)")
	fs.Var(&o.hosts, "host", "a host name the gateways answer to, besides IP addresses and localhost (repeat the flag)")
	fs.StringVar(&o.cookie, "cookie", "", "the secret every node shares (required beyond loopback)")
	fs.StringVar(&o.http, "http", "127.0.0.1:8080", "the gateway's address; in the demo the first node's, the next ones take the next ports (port 0: free ones)")
	fs.StringVar(&rooms, "rooms", "foo,bar", "rooms to create at start, comma-separated: on this node with -listen, wherever the cluster places them in the demo")
	fs.DurationVar(&o.duration, "duration", 0, "stop after this long (0: run until Ctrl-C)")
	fs.BoolVar(&o.verbose, "v", false, "log what the actors, the nodes and the gateways do")
	fs.BoolVar(&o.client, "client", false, "run the terminal client instead of a node")
	fs.StringVar(&o.gateway, "gateway", defaultGateway, "with -client: the gateway's URL")
	fs.StringVar(&o.room, "room", "foo", "with -client: the room to join")
	fs.StringVar(&o.name, "name", "", "with -client: your name")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments: %q", fs.Args())
	}
	if o.client && o.name == "" {
		return o, errors.New("-client needs -name")
	}
	if o.nodes < 1 || o.nodes > 26 {
		return o, errors.New("-nodes must be 1 to 26 (the nodes are named a to z)")
	}
	switch {
	case o.gossip != "" && o.listen == "":
		return o, errors.New("-gossip needs -listen")
	case o.gossip != "" && len(o.peers) > 0:
		return o, errors.New("-gossip and -peer do not go together: members find each other through -seed")
	case len(o.seeds) > 0 && o.gossip == "":
		return o, errors.New("-seed needs -gossip")
	}
	if o.node != "" {
		if err := chat.ValidName(o.node); err != nil {
			return o, fmt.Errorf("-node: %w", err)
		}
	}
	for _, r := range strings.Split(rooms, ",") {
		if r = strings.TrimSpace(r); r != "" {
			o.rooms = append(o.rooms, r)
		}
	}
	return o, nil
}

// run is the whole program, with its inputs and outputs as parameters so
// that a test can run it.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	o, err := parse(args, stderr)
	if err != nil {
		return err
	}
	if o.duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, o.duration)
		defer cancel()
	}
	if o.client {
		fmt.Fprintf(stdout, "-- %s in #%s through %s; type a line to say it, Ctrl-D to leave\n", o.name, o.room, o.gateway)
		err := chat.RunClient(ctx, chat.ClientConfig{
			Gateway: o.gateway, Room: o.room, Name: o.name, In: stdin, Out: stdout,
		})
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return nil
		}
		return err
	}

	logger := slog.New(slog.DiscardHandler)
	if o.verbose {
		logger = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	nodes, rooms, err := start(o, logger)
	defer stopAll(nodes, stdout)
	if err != nil {
		return err
	}
	describe(o, nodes, rooms, stdout)
	<-ctx.Done()
	return nil
}

// start starts the nodes the options ask for: one with -listen or
// -nodes 1, else the demo's nodes on loopback, members of one cluster that
// hosts the rooms as grains. It returns the rooms each node hosts.
func start(o options, logger *slog.Logger) ([]*chat.Node, [][]string, error) {
	if o.listen != "" || o.nodes == 1 {
		cfg := chat.NodeConfig{
			Name:      o.node,
			HTTP:      o.http,
			Directory: chat.DirectoryConfig{Rooms: o.rooms, Peers: o.peers},
			Gateway:   chat.GatewayConfig{Hosts: o.hosts},
			Logger:    logger,
		}
		if o.listen != "" {
			cfg.Remote = &remote.Config{Addr: o.listen, Cookie: []byte(o.cookie)}
		}
		rooms := o.rooms
		if o.gossip != "" {
			// Rooms are grains: made by their first use, where the
			// cluster places them, so none is made at start.
			cfg.Cluster = memberConfig(o)
			cfg.Directory.Rooms, rooms = nil, nil
		}
		n, err := chat.StartNode(cfg)
		if err != nil {
			return nil, nil, gatewayErr(err)
		}
		return []*chat.Node{n}, [][]string{rooms}, nil
	}
	var nodes []*chat.Node
	for i := range o.nodes {
		http, err := nextPort(o.http, i)
		if err != nil {
			return nodes, nil, err
		}
		ccfg := &cluster.Config{Profile: cluster.Loopback}
		if i > 0 {
			ccfg.Seeds = []string{nodes[0].Cluster.GossipAddr()}
		}
		n, err := chat.StartNode(chat.NodeConfig{
			Name:    nodeName(i),
			HTTP:    http,
			Remote:  &remote.Config{Addr: "127.0.0.1:0", Cookie: []byte(o.cookie)},
			Cluster: ccfg,
			Gateway: chat.GatewayConfig{Hosts: o.hosts},
			Logger:  logger.With("node", nodeName(i)),
		})
		if err != nil {
			return nodes, nil, fmt.Errorf("node %s: %w", nodeName(i), gatewayErr(err))
		}
		nodes = append(nodes, n)
	}
	if err := converge(nodes); err != nil {
		return nodes, nil, err
	}
	rooms, err := place(nodes, o.rooms)
	return nodes, rooms, err
}

// memberConfig is the cluster membership that -gossip and -seed ask for.
// The -cookie, when given, keys the gossip too (its SHA-256), which the
// cluster requires beyond loopback.
func memberConfig(o options) *cluster.Config {
	cfg := &cluster.Config{Addr: o.gossip, Seeds: o.seeds}
	if host, _, err := net.SplitHostPort(o.gossip); err == nil {
		if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
			cfg.Profile = cluster.Loopback
		}
	}
	if o.cookie != "" {
		key := sha256.Sum256([]byte(o.cookie))
		cfg.SecretKey = key[:]
	}
	return cfg
}

// converge waits until every node sees every other alive, so that the
// rooms made next are placed where they stay.
func converge(nodes []*chat.Node) error {
	deadline := time.Now().Add(10 * time.Second)
	for _, n := range nodes {
		for {
			alive := 0
			for _, m := range n.Cluster.Members() {
				if m.State == cluster.Alive {
					alive++
				}
			}
			if alive == len(nodes) {
				break
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("the nodes did not all meet within 10 s (node %s sees %d of %d)", n.NodeAddr(), alive, len(nodes))
			}
			time.Sleep(10 * time.Millisecond) // memberlist's gossip announces no "all met"
		}
	}
	return nil
}

// place makes the rooms the demo starts with, wherever the cluster
// places them, and returns the rooms of each node.
func place(nodes []*chat.Node, names []string) ([][]string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	rooms := make([][]string, len(nodes))
	for _, name := range names {
		pid, err := nodes[0].Cluster.Get(ctx, chat.RoomGrain(name))
		if err != nil {
			return nil, fmt.Errorf("room %s: %w", name, err)
		}
		for i, n := range nodes {
			if pid.Address == n.NodeAddr() || (pid.Address == "" && i == 0) {
				rooms[i] = append(rooms[i], name)
			}
		}
	}
	return rooms, nil
}

// nodeName names the demo's nodes a, b, c, ...
func nodeName(i int) string { return string(rune('a' + i%26)) }

// nextPort returns addr with its port moved on by i, so that the demo's
// gateways are at known addresses: 8080, 8081, 8082. Port 0 stays 0.
func nextPort(addr string, i int) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("-http: %w", err)
	}
	p, err := strconv.Atoi(port)
	if err != nil || p < 0 || p+i > 65535 {
		return "", fmt.Errorf("-http: bad port %q", port)
	}
	if p == 0 {
		return addr, nil
	}
	return net.JoinHostPort(host, strconv.Itoa(p+i)), nil
}

// gatewayErr says what to do when a gateway's port is taken.
func gatewayErr(err error) error {
	if errors.Is(err, syscall.EADDRINUSE) {
		return fmt.Errorf("%w; choose other ports with -http 127.0.0.1:PORT (port 0: free ones)", err)
	}
	return err
}

// describe prints each node, its gateway and its rooms, and how to start.
func describe(o options, nodes []*chat.Node, hosted [][]string, out io.Writer) {
	for i, n := range nodes {
		rooms := orDash(strings.Join(hosted[i], ", "))
		switch {
		case n.NodeAddr() == "":
			fmt.Fprintf(out, "chat: one node, no network: gateway %s, rooms: %s\n", n.URL(), rooms)
		case len(nodes) == 1 && o.node == "":
			fmt.Fprintf(out, "chat: node at %s: gateway %s, rooms: %s\n", n.NodeAddr(), n.URL(), rooms)
		default:
			name := o.node
			if len(nodes) > 1 {
				name = nodeName(i)
			}
			fmt.Fprintf(out, "chat: node %s at %s: gateway %s, rooms: %s\n", name, n.NodeAddr(), n.URL(), rooms)
		}
	}
	first := nodes[0].URL()
	fmt.Fprintf(out, "chat: open %s in a browser", first)
	if len(nodes) > 1 && len(o.rooms) > 0 {
		for i := range nodes {
			if slices.Contains(hosted[i], o.rooms[0]) {
				fmt.Fprintf(out, ": room %s lives on node %s", o.rooms[0], nodeName(i))
			}
		}
	}
	client := "go run ./examples/chat -client"
	if first != defaultGateway {
		client += " -gateway " + first
	}
	if room := firstOr(o.rooms, "foo"); room != "foo" {
		client += " -room " + room
	}
	fmt.Fprintf(out, "; or, in a terminal: %s -name ann\n", client)
	if len(nodes) > 1 || o.gossip != "" {
		fmt.Fprintf(out, "chat: any room name works: joining a room makes it, on the node the cluster picks\n")
	}
	if len(nodes) > 1 {
		fmt.Fprintf(out, "chat: metrics at %s/metrics; Ctrl-C stops every node\n", first)
	}
}

// stopAll stops the nodes, each within five seconds, one after the other:
// a member's leave waits for the others to hear it, which members that
// are stopping too would not.
func stopAll(nodes []*chat.Node, out io.Writer) {
	if len(nodes) == 0 {
		return
	}
	fmt.Fprintln(out, "chat: stopping (Ctrl-C again quits at once)")
	for i, n := range nodes {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		if err := n.Stop(ctx); err != nil {
			fmt.Fprintf(out, "chat: node %s: %v\n", nodeName(i), err)
		}
		cancel()
	}
	fmt.Fprintln(out, "chat: stopped")
}

func firstOr(s []string, def string) string {
	if len(s) > 0 {
		return s[0]
	}
	return def
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
