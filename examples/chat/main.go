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
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "chat:", err)
		os.Exit(1)
	}
}

// options are the command's flags.
type options struct {
	http     string
	rooms    string
	duration time.Duration
	verbose  bool

	client  bool
	gateway string
	room    string
	name    string
}

func parse(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("chat", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.http, "http", "127.0.0.1:0", "address of the gateway (port 0: a free one)")
	fs.StringVar(&o.rooms, "rooms", "foo,bar", "rooms to create at start, comma-separated")
	fs.DurationVar(&o.duration, "duration", 0, "stop after this long (0: run until Ctrl-C)")
	fs.BoolVar(&o.verbose, "v", false, "log what the actors and the gateway do")
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
	return serve(ctx, o, stdout, stderr)
}

// serve runs one node until ctx is done.
func serve(ctx context.Context, o options, stdout, stderr io.Writer) error {
	logger := slog.New(slog.DiscardHandler)
	if o.verbose {
		logger = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	var rooms []string
	for _, r := range strings.Split(o.rooms, ",") {
		if r = strings.TrimSpace(r); r != "" {
			rooms = append(rooms, r)
		}
	}
	node, err := chat.StartNode(chat.NodeConfig{
		HTTP:      o.http,
		Directory: chat.DirectoryConfig{Rooms: rooms},
		Logger:    logger,
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "chat: rooms %s; gateway %s\n", strings.Join(rooms, ", "), node.URL())
	fmt.Fprintf(stdout, "chat: open %s in a browser, or: go run ./examples/chat -client -gateway %s -room %s -name ann\n",
		node.URL(), node.URL(), firstOr(rooms, "foo"))

	<-ctx.Done()
	fmt.Fprintln(stdout, "chat: stopping")
	stopCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := node.Stop(stopCtx); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "chat: stopped")
	return nil
}

func firstOr(s []string, def string) string {
	if len(s) > 0 {
		return s[0]
	}
	return def
}
