package cluster

import (
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// The three-host test: three network namespaces, each with one member
// process, joined by veth pairs to a bridge that lives in a fourth
// namespace, so that nothing touches the host's own network. Addresses
// come from 192.0.2.0/24 (TEST-NET-1), on those links only.

// requireNetnsEnv, when set (CI sets it), makes a host where namespaces
// cannot be made fail the test instead of skipping it.
const requireNetnsEnv = "TROUPE_REQUIRE_NETNS"

// netns is the test's namespaces and their cleanup.
type netns struct {
	t     *testing.T
	hub   string
	hosts []string
}

func ipCmd(args ...string) error {
	out, err := exec.Command("ip", args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("ip %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}

// makeNetns makes the hub with its bridge and n hosts at 192.0.2.1..n, or
// skips the test (fails it under TROUPE_REQUIRE_NETNS) where it cannot.
func makeNetns(t *testing.T, n int) *netns {
	t.Helper()
	tag := fmt.Sprintf("tr%d", os.Getpid()%100000)
	ns := &netns{t: t, hub: tag + "hub"}
	cannot := func(err error) {
		if os.Getenv(requireNetnsEnv) != "" {
			t.Fatalf("%s is set, and network namespaces cannot be made: %v", requireNetnsEnv, err)
		}
		t.Skipf("network namespaces cannot be made here (needs root and iproute2; %s=1 makes this a failure): %v", requireNetnsEnv, err)
	}
	if _, err := exec.LookPath("ip"); err != nil {
		cannot(err)
	}
	if err := ipCmd("netns", "add", ns.hub); err != nil {
		cannot(err)
	}
	t.Cleanup(ns.remove)
	steps := [][]string{
		{"-n", ns.hub, "link", "add", "br0", "type", "bridge"},
		{"-n", ns.hub, "link", "set", "br0", "up"},
	}
	for i := 1; i <= n; i++ {
		h := fmt.Sprintf("%sh%d", tag, i)
		ns.hosts = append(ns.hosts, h)
		if err := ipCmd("netns", "add", h); err != nil {
			t.Fatal(err)
		}
		steps = append(steps,
			[]string{"-n", h, "link", "set", "lo", "up"},
			[]string{"-n", h, "link", "add", "eth0", "type", "veth", "peer", "name", fmt.Sprintf("p%d", i), "netns", ns.hub},
			[]string{"-n", h, "addr", "add", fmt.Sprintf("192.0.2.%d/24", i), "dev", "eth0"},
			[]string{"-n", h, "link", "set", "eth0", "up"},
			[]string{"-n", ns.hub, "link", "set", fmt.Sprintf("p%d", i), "master", "br0"},
			[]string{"-n", ns.hub, "link", "set", fmt.Sprintf("p%d", i), "up"},
		)
	}
	for _, s := range steps {
		if err := ipCmd(s...); err != nil {
			t.Fatal(err)
		}
	}
	return ns
}

// link takes host i's (from 1) link to the bridge down or up.
func (ns *netns) link(i int, up bool) {
	state := "down"
	if up {
		state = "up"
	}
	if err := ipCmd("-n", ns.hub, "link", "set", fmt.Sprintf("p%d", i), state); err != nil {
		ns.t.Fatal(err)
	}
}

// remove deletes the namespaces (their links go with them) and checks
// that none is left.
func (ns *netns) remove() {
	for _, h := range append(ns.hosts, ns.hub) {
		if err := ipCmd("netns", "del", h); err != nil {
			ns.t.Errorf("removing namespace %s: %v", h, err)
		}
	}
	out, _ := exec.Command("ip", "netns", "list").Output()
	for _, h := range append(ns.hosts, ns.hub) {
		for _, line := range strings.Split(string(out), "\n") {
			if strings.Fields(line + " x")[0] == h {
				ns.t.Errorf("namespace %s is left", h)
			}
		}
	}
}

// TestThreeHosts: a member per namespace; one is cut off by taking its
// link down; its identities move to the others (and it keeps its own
// copies: both sides of a partition may activate); on healing the views
// converge and the copies on the members that do not own them stop.
func TestThreeHosts(t *testing.T) {
	if testing.Short() {
		t.Skip("three hosts: not in -short")
	}
	ns := makeNetns(t, 3)
	key := hex.EncodeToString([]byte("0123456789abcdef0123456789abcdef"))
	var ch []*child
	for i, h := range ns.hosts {
		ip := fmt.Sprintf("192.0.2.%d", i+1)
		ch = append(ch, startChild(t, map[string]string{
			childNode: ip + ":7001", childGossip: ip + ":7946", childSeeds: "192.0.2.1:7946", childKey: key,
		}, "ip", "netns", "exec", h))
	}
	for _, c := range ch {
		if got := c.do("wait 3 10000", 15*time.Second); got[0] != "ok" {
			t.Fatalf("%s: %v", c.Node, got)
		}
	}
	// 60 identities, asked from the first host.
	owner := map[string]string{}
	for i := range 60 {
		name := fmt.Sprint(i)
		got := ch[0].do("req "+name, 5*time.Second)
		if got[0] != "ans" {
			t.Fatalf("%s: %v", name, got)
		}
		owner[name] = got[2]
	}
	cut := ch[2]
	ns.link(3, false)
	start := time.Now()
	for _, c := range ch[:2] {
		if got := c.do("wait 2 10000", 15*time.Second); got[0] != "ok" {
			t.Fatalf("%s after the cut: %v", c.Node, got)
		}
	}
	if got := cut.do("wait 1 10000", 15*time.Second); got[0] != "ok" {
		t.Fatalf("the cut member: %v", got)
	}
	t.Logf("partition seen on both sides %v after the link went down", time.Since(start).Round(time.Millisecond))
	moved, dup := 0, 0
	for name, o := range owner {
		got := ch[1].do("req "+name, 5*time.Second)
		if got[0] != "ans" {
			t.Fatalf("%s during the partition: %v", name, got)
		}
		if o == cut.Node {
			moved++
			if got[2] == cut.Node {
				t.Fatalf("%s answered from the cut member", name)
			}
		}
		// The cut member, alone, owns everything on its side.
		if got := cut.do("req "+name, 5*time.Second); got[0] != "ans" || got[2] != cut.Node {
			t.Fatalf("%s on the cut side: %v", name, got)
		}
		dup++
	}
	t.Logf("partition: %d identities moved from the cut member; %d active on both sides", moved, dup)

	ns.link(3, true)
	healed := time.Now()
	for _, c := range ch {
		if got := c.do("wait 3 20000", 25*time.Second); got[0] != "ok" {
			t.Fatalf("%s after healing: %v", c.Node, got)
		}
	}
	t.Logf("views converged %v after healing", time.Since(healed).Round(time.Millisecond))
	// Each identity ends active on its owner only.
	deadline := time.Now().Add(10 * time.Second)
	for name := range owner {
		for {
			o := ch[0].do("owner "+name, time.Second)[1]
			var on []string
			for _, c := range ch {
				if c.do("has "+name, time.Second)[1] == "1" {
					on = append(on, c.Node)
				}
			}
			if len(on) == 1 && on[0] == o {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: owner %s, active on %v 10 s after healing", name, o, on)
			}
			time.Sleep(20 * time.Millisecond) // polling another process
		}
	}
	t.Logf("duplicates stopped %v after healing", time.Since(healed).Round(time.Millisecond))
	for _, c := range ch {
		if got := c.do("stop", 10*time.Second); got[0] != "stopped" {
			t.Fatalf("%s: %v", c.Node, got)
		}
	}
}
