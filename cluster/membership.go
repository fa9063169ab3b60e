package cluster

import (
	"bytes"
	"context"
	"fmt"
	"log"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/memberlist"
)

// Membership is memberlist's job; this file only adapts it: the config
// for a profile, the delegates that feed the view, and a transport that
// lets Stop wait for the connections memberlist is still serving.

// memberlistConfig turns a defaulted Config into memberlist's.
func memberlistConfig(cfg *Config, name string, d *delegate, tr memberlist.Transport, port int) (*memberlist.Config, error) {
	var mc *memberlist.Config
	switch cfg.Profile {
	case Loopback:
		mc = memberlist.DefaultLocalConfig()
		// One host: answers come in microseconds, so probe and suspect
		// fast. A silent member is dead within about a second.
		mc.ProbeInterval = 200 * time.Millisecond
		mc.ProbeTimeout = 200 * time.Millisecond // 100 ms let a loaded host declare live members dead
		mc.GossipInterval = 50 * time.Millisecond
		// A suspect is dead after 0.6 s once another member confirms it, and
		// after 1.8 s at most without (memberlist's default would be 3.6 s):
		// behind a blackhole, a member is out of the views within 3 s.
		mc.SuspicionMult = 3
		mc.SuspicionMaxTimeoutMult = 3
		// Gossip alone missed a join now and then when ten members started
		// at once (one member learnt of it only at the next full sync, 5 s
		// later); more retransmits and a full sync every second make that
		// rare and short. A full sync costs little among few members.
		mc.RetransmitMult = 4
		mc.PushPullInterval = time.Second
		mc.GossipToTheDeadTime = 5 * time.Second
		mc.TCPTimeout = time.Second
		// Compression saves no time between processes of one host, and
		// costs each compressed message a 64 KiB LZW table.
		mc.EnableCompression = false
	default:
		mc = memberlist.DefaultLANConfig()
	}
	mc.Name = name
	mc.Delegate = d
	mc.Events = d
	mc.Transport = tr
	host, _, _ := net.SplitHostPort(cfg.Addr)
	mc.BindAddr, mc.BindPort = host, port
	mc.AdvertiseAddr, mc.AdvertisePort = host, port
	if cfg.Advertise != "" {
		h, p, _ := net.SplitHostPort(cfg.Advertise)
		ap, _ := strconv.Atoi(p)
		mc.AdvertiseAddr, mc.AdvertisePort = h, ap
	}
	if len(cfg.SecretKey) > 0 {
		kr, err := memberlist.NewKeyring(nil, cfg.SecretKey)
		if err != nil {
			return nil, fmt.Errorf("%w: SecretKey: %v", ErrInvalidConfig, err)
		}
		mc.Keyring = kr
		mc.SecretKey = cfg.SecretKey
	}
	mc.Logger = log.New(&logWriter{l: cfg.Logger}, "", 0)
	return mc, nil
}

// delegate is memberlist's Delegate and EventDelegate for one member. Its
// methods run on memberlist's goroutines, some under its locks: they only
// update the view, which never calls memberlist back.
type delegate struct {
	meta atomic.Pointer[[]byte]
	view *view
	log  *slog.Logger
}

// NodeMeta returns this member's meta, checked against limit at Start.
func (d *delegate) NodeMeta(limit int) []byte { return *d.meta.Load() }

// NotifyMsg is unused: the cluster sends nothing through memberlist.
func (d *delegate) NotifyMsg([]byte) {}

// GetBroadcasts is unused.
func (d *delegate) GetBroadcasts(overhead, limit int) [][]byte { return nil }

// LocalState is unused: the view is each member's own, from the meta.
func (d *delegate) LocalState(join bool) []byte { return nil }

// MergeRemoteState is unused.
func (d *delegate) MergeRemoteState(buf []byte, join bool) {}

// NotifyJoin: a member is alive.
func (d *delegate) NotifyJoin(n *memberlist.Node) { d.alive(n) }

// NotifyUpdate: a member's meta changed, or it came back with a new
// incarnation.
func (d *delegate) NotifyUpdate(n *memberlist.Node) { d.alive(n) }

// NotifyLeave: a member died or left. memberlist does not say which in
// the Node it passes (its State is stale), so a member says it is leaving
// in its meta first (see Cluster.Stop).
func (d *delegate) NotifyLeave(n *memberlist.Node) {
	m, err := decodeMeta(n.Meta)
	d.view.gone(n.Name, err == nil && m.Leaving)
}

func (d *delegate) alive(n *memberlist.Node) {
	m, err := decodeMeta(n.Meta)
	if err != nil || m.Addr != n.Name {
		// Not a troupe member, or one of another version: it owns nothing.
		d.log.Warn("cluster: member with unreadable meta ignored", "member", trunc(n.Name), "err", err)
		return
	}
	if m.Leaving {
		d.view.gone(m.Addr, true)
		return
	}
	d.view.alive(Member{Addr: m.Addr, Gossip: n.Address(), Incarnation: m.Incarnation, Kinds: m.Kinds})
}

// trunc bounds a string that a peer chose before it reaches a log.
func trunc(s string) string {
	const max = 128
	if len(s) > max {
		return s[:max] + "..."
	}
	return s
}

// logWriter turns memberlist's log lines ("[WARN] memberlist: ...") into
// records of the cluster's logger, at the level the prefix gives.
type logWriter struct{ l *slog.Logger }

func (w *logWriter) Write(p []byte) (int, error) {
	line := string(bytes.TrimSpace(p))
	level := slog.LevelInfo
	for prefix, l := range map[string]slog.Level{"[DEBUG]": slog.LevelDebug, "[INFO]": slog.LevelInfo,
		"[WARN]": slog.LevelWarn, "[ERR]": slog.LevelError} {
		if rest, ok := strings.CutPrefix(line, prefix); ok {
			line, level = strings.TrimSpace(rest), l
			break
		}
	}
	w.l.Log(context.Background(), level, line)
	return len(p), nil
}

// transport is memberlist's NetTransport with the stream connections it
// hands to memberlist counted, so that Stop can close those memberlist is
// still serving and wait until each is closed, instead of leaving a
// goroutine that ends only at its read deadline.
type transport struct {
	*memberlist.NetTransport
	streams chan net.Conn
	stop    chan struct{}
	done    chan struct{} // closed when forward returns

	mu    sync.Mutex
	conns map[*trackedConn]struct{}
	idle  *sync.Cond // signalled when conns empties
}

func newTransport(addr string, logger *log.Logger) (*transport, int, error) {
	host, port, _ := net.SplitHostPort(addr)
	p, _ := strconv.Atoi(port)
	var nt *memberlist.NetTransport
	var err error
	// With port 0, UDP and TCP must bind the same free port: the kernel
	// picks it for one, and another process may hold it for the other.
	for range 10 {
		nt, err = memberlist.NewNetTransport(&memberlist.NetTransportConfig{BindAddrs: []string{host}, BindPort: p, Logger: logger})
		if err == nil || p != 0 {
			break
		}
	}
	if err != nil {
		return nil, 0, err
	}
	if p == 0 {
		p = nt.GetAutoBindPort()
	}
	t := &transport{NetTransport: nt, streams: make(chan net.Conn), stop: make(chan struct{}),
		done: make(chan struct{}), conns: map[*trackedConn]struct{}{}}
	t.idle = sync.NewCond(&t.mu)
	go t.forward()
	return t, p, nil
}

// StreamCh hands memberlist the accepted connections, counted.
func (t *transport) StreamCh() <-chan net.Conn { return t.streams }

func (t *transport) forward() {
	defer close(t.done)
	in := t.NetTransport.StreamCh()
	for {
		select {
		case c := <-in:
			tc := t.track(c)
			select {
			case t.streams <- tc:
			case <-t.stop:
				tc.Close()
				return
			}
		case <-t.stop:
			return
		}
	}
}

func (t *transport) track(c net.Conn) *trackedConn {
	tc := &trackedConn{Conn: c, t: t}
	t.mu.Lock()
	t.conns[tc] = struct{}{}
	t.mu.Unlock()
	return tc
}

// Shutdown closes the listeners and waits for them (NetTransport does),
// then stops forwarding. memberlist calls it from its Shutdown.
func (t *transport) Shutdown() error {
	err := t.NetTransport.Shutdown()
	select {
	case <-t.stop:
	default:
		close(t.stop)
	}
	<-t.done
	return err
}

// closeStreams closes every connection memberlist still serves, and waits
// until memberlist has closed each in turn: its handler has returned.
func (t *transport) closeStreams() {
	t.mu.Lock()
	for c := range t.conns {
		c.Conn.Close() // memberlist's handler fails its read and returns
	}
	for len(t.conns) > 0 {
		t.idle.Wait()
	}
	t.mu.Unlock()
}

// trackedConn is a connection memberlist serves; its handler closes it
// when it returns.
type trackedConn struct {
	net.Conn
	t    *transport
	once sync.Once
}

// Close closes the connection and counts it closed.
func (c *trackedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() {
		t := c.t
		t.mu.Lock()
		delete(t.conns, c)
		if len(t.conns) == 0 {
			t.idle.Broadcast()
		}
		t.mu.Unlock()
	})
	return err
}
