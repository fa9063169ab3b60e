package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/troupe-go/troupe/actor"
	"github.com/troupe-go/troupe/metrics"
	"github.com/troupe-go/troupe/remote"
	"github.com/troupe-go/troupe/remote/server"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:9090", "address to serve /metrics on")
	duration := flag.Duration("duration", 0, "stop after this long (0: run until Ctrl-C)")
	verbose := flag.Bool("v", false, "also log the panics of the flaky actor, which it makes on purpose")
	flag.Parse()

	// A second Ctrl-C ends the process at once: ctx ends once stop has let
	// the signals go, so that this holds as soon as the stop begins.
	sig, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancelSig := context.WithCancel(context.Background())
	defer cancelSig()
	context.AfterFunc(sig, func() { stop(); cancelSig() })
	if *duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, *duration)
		defer cancel()
	}
	// Errors only: panics, which the runtime logs at a limited rate. The
	// flaky actor's are on purpose, so they are left out unless -v; the
	// dead letters this program makes on purpose are in the metrics.
	var h slog.Handler = slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError})
	if !*verbose {
		h = dropKind{Handler: h, kind: "flaky"}
	}
	start := time.Now()
	err := run(ctx, *listen, slog.New(h), func(addr string) {
		fmt.Printf("metrics: serving http://%s/metrics; try: curl -s %s/metrics | grep troupe_\n", addr, addr)
		fmt.Println("metrics: the actor \"flaky\" panics on purpose, once in 20 jobs, and its supervisor restarts it:")
		fmt.Println("metrics:   see troupe_actor_panics_total and troupe_actor_restarts_total (-v logs each panic)")
		if *duration > 0 {
			fmt.Printf("metrics: stops by itself after %v, or on Ctrl-C\n", *duration)
		} else {
			fmt.Println("metrics: Ctrl-C stops it")
		}
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "metrics:", err)
		os.Exit(1)
	}
	why := "on Ctrl-C"
	if *duration > 0 && time.Since(start) >= *duration {
		why = fmt.Sprintf("after -duration %v", *duration)
	}
	fmt.Printf("metrics: stopped cleanly %s\n", why)
}

// dropKind is a log handler that leaves out the records of one kind of
// actor: the flaky actor's panics, which it makes on purpose.
type dropKind struct {
	slog.Handler
	kind string
}

// Handle passes r on unless its "kind" is d.kind.
func (d dropKind) Handle(ctx context.Context, r slog.Record) error {
	drop := false
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "kind" && a.Value.String() == d.kind {
			drop = true
			return false
		}
		return true
	})
	if drop {
		return nil
	}
	return d.Handler.Handle(ctx, r)
}

// WithAttrs keeps the filter on the handler it returns.
func (d dropKind) WithAttrs(attrs []slog.Attr) slog.Handler {
	return dropKind{Handler: d.Handler.WithAttrs(attrs), kind: d.kind}
}

// WithGroup keeps the filter on the handler it returns.
func (d dropKind) WithGroup(name string) slog.Handler {
	return dropKind{Handler: d.Handler.WithGroup(name), kind: d.kind}
}

// run serves /metrics on listen and keeps the system busy until ctx is
// done; ready is called with the address once the metrics can be scraped.
func run(ctx context.Context, listen string, logger *slog.Logger, ready func(addr string)) error {
	reg := prometheus.NewRegistry()
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	a, err := startNode(reg, "a", logger)
	if err != nil {
		return err
	}
	defer a.shutdown()
	b, err := startNode(reg, "b", logger)
	if err != nil {
		return err
	}
	defer b.shutdown()
	if err := join(a, b, logger); err != nil {
		return err
	}
	defer a.net.Close()
	defer b.net.Close()

	// A stream server whose clients ask the workers; two slots, so that a
	// burst of three clients makes accepting pause.
	srv := server.New("127.0.0.1:0", a.serve,
		server.WithMaxConns(2), server.WithLogger(logger), server.WithObserver(a.metrics.ServerObserver()))
	if err := srv.Start(); err != nil {
		return err
	}
	defer srv.Close()

	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", metrics.Handler(reg))
	web := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	served := make(chan error, 1)
	go func() { served <- web.Serve(ln) }()
	ready(ln.Addr().String())

	a.load(ctx, srv.Addr()) // until ctx is done

	stopCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := web.Shutdown(stopCtx); err != nil {
		return err
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	if err := srv.Stop(stopCtx); err != nil {
		return err
	}
	a.net.Stop(stopCtx)
	b.net.Stop(stopCtx)
	if err := a.sys.Shutdown(stopCtx); err != nil {
		return err
	}
	return b.sys.Shutdown(stopCtx)
}

// join starts a remote.Node for each node, with the example's message
// types, and points a at b's actors: a's load then reaches them over
// loopback TCP.
func join(a, b *node, logger *slog.Logger) error {
	types := remote.NewTypes()
	remote.Register[tick](types, "metrics.tick")
	remote.Register[square](types, "metrics.square")
	for _, n := range []*node{a, b} {
		nn, err := remote.Start(n.sys, remote.Config{Types: types, Logger: logger})
		if err != nil {
			return err
		}
		if err := n.metrics.ObserveNode(nn); err != nil {
			nn.Close()
			return err
		}
		n.net = nn
	}
	addr := b.net.Addr()
	for _, pid := range b.counters {
		a.peerCounters = append(a.peerCounters, actor.PID{Address: addr, ID: pid.ID})
	}
	for _, pid := range b.workers {
		a.peerWorkers = append(a.peerWorkers, actor.PID{Address: addr, ID: pid.ID})
	}
	return nil
}
