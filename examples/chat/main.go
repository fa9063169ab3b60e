package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/troupe-go/troupe/examples/chat/chat"
	"github.com/troupe-go/troupe/remote"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// After the first signal the nodes stop cleanly, within seconds; a
	// second one ends the process at once, as if nothing caught it.
	context.AfterFunc(ctx, stop)
	if err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "chat:", err)
		os.Exit(1)
	}
}

// options are the command's flags.
type options struct {
	nodes    int
	listen   string
	peers    peerList
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

// peerList collects the -peer flags.
type peerList []string

func (p *peerList) String() string     { return strings.Join(*p, ",") }
func (p *peerList) Set(v string) error { *p = append(*p, v); return nil }

func parse(args []string, stderr io.Writer) (options, error) {
	var o options
	var rooms string
	fs := flag.NewFlagSet("chat", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.IntVar(&o.nodes, "nodes", 3, "how many nodes the demo runs in this process (1: one node, no network)")
	fs.StringVar(&o.listen, "listen", "", "run one node of a chat on this network address (host:port) instead of the demo")
	fs.Var(&o.peers, "peer", "with -listen: another node's network address (repeat the flag)")
	fs.StringVar(&o.cookie, "cookie", "", "the secret every node shares (required beyond loopback)")
	fs.StringVar(&o.http, "http", "127.0.0.1:0", "with -listen or -nodes 1: the gateway's address (port 0: a free one)")
	fs.StringVar(&rooms, "rooms", "foo,bar", "rooms to create at start, comma-separated: on this node with -listen, spread over the nodes from the last in the demo")
	fs.DurationVar(&o.duration, "duration", 0, "stop after this long (0: run until Ctrl-C)")
	fs.BoolVar(&o.verbose, "v", false, "log what the actors, the nodes and the gateways do")
	fs.BoolVar(&o.client, "client", false, "run the terminal client instead of a node")
	fs.StringVar(&o.gateway, "gateway", "http://127.0.0.1:8080", "with -client: the gateway's URL")
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
	if o.nodes < 1 {
		return o, errors.New("-nodes must be at least 1")
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
	nodes, err := start(o, logger)
	defer stopAll(nodes, stdout)
	if err != nil {
		return err
	}
	describe(o, nodes, stdout)
	<-ctx.Done()
	return nil
}

// start starts the nodes the options ask for: one with -listen or
// -nodes 1, else the demo's nodes on loopback, introduced to each other.
func start(o options, logger *slog.Logger) ([]*chat.Node, error) {
	if o.listen != "" || o.nodes == 1 {
		cfg := chat.NodeConfig{
			HTTP:      o.http,
			Directory: chat.DirectoryConfig{Rooms: o.rooms, Peers: o.peers},
			Logger:    logger,
		}
		if o.listen != "" {
			cfg.Remote = &remote.Config{Addr: o.listen, Cookie: []byte(o.cookie)}
		}
		n, err := chat.StartNode(cfg)
		if err != nil {
			return nil, err
		}
		return []*chat.Node{n}, nil
	}
	var nodes []*chat.Node
	for i := range o.nodes {
		n, err := chat.StartNode(chat.NodeConfig{
			Name:      nodeName(i),
			Remote:    &remote.Config{Addr: "127.0.0.1:0", Cookie: []byte(o.cookie)},
			Directory: chat.DirectoryConfig{Rooms: hostedBy(o, o.nodes, i)},
			Logger:    logger.With("node", nodeName(i)),
		})
		if err != nil {
			return nodes, err
		}
		nodes = append(nodes, n)
	}
	for _, a := range nodes {
		for _, b := range nodes {
			if a != b {
				if err := a.Meet(b.NodeAddr()); err != nil {
					return nodes, err
				}
			}
		}
	}
	return nodes, nil
}

// nodeName names the demo's nodes a, b, c, ...
func nodeName(i int) string { return string(rune('a' + i%26)) }

// describe prints each node, its gateway and its rooms, and how to start.
func describe(o options, nodes []*chat.Node, out io.Writer) {
	for i, n := range nodes {
		rooms := hostedBy(o, len(nodes), i)
		where := n.NodeAddr()
		if where == "" {
			where = "on its own"
		}
		name := nodeName(i) + " "
		if len(nodes) == 1 {
			name = ""
		}
		fmt.Fprintf(out, "chat: node %s(%s): gateway %s, rooms: %s\n",
			name, where, n.URL(), orDash(strings.Join(rooms, ", ")))
	}
	first := nodes[0].URL()
	fmt.Fprintf(out, "chat: open %s in a browser", first)
	if len(nodes) > 1 && len(o.rooms) > 0 {
		fmt.Fprintf(out, ": room %s lives on node %s", o.rooms[0], nodeName(len(nodes)-1))
	}
	fmt.Fprintf(out, "; or: go run ./examples/chat -client -gateway %s -room %s -name ann\n",
		first, firstOr(o.rooms, "foo"))
	if len(nodes) > 1 {
		fmt.Fprintf(out, "chat: metrics at %s/metrics; Ctrl-C stops every node\n", first)
	}
}

// hostedBy returns the rooms node i of n hosts. In the demo they go to
// the last nodes, so that the first node's users talk in rooms hosted
// elsewhere: foo on the last, bar on the one before, and so on.
func hostedBy(o options, n, i int) []string {
	if o.listen != "" || n == 1 {
		return o.rooms
	}
	var rooms []string
	for k, r := range o.rooms {
		if n-1-k%n == i {
			rooms = append(rooms, r)
		}
	}
	return rooms
}

// stopAll stops the nodes, each within five seconds.
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
