package browsertest_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/troupe-go/troupe/examples/chat/chat"
	"github.com/troupe-go/troupe/examples/chat/internal/chattest"
	"github.com/troupe-go/troupe/remote"
)

// findChromium returns the path of a Chromium or Chrome binary: $CHROMIUM,
// or the first on PATH. Without one the browser test is skipped, unless
// TROUPE_REQUIRE_CHROMIUM is set, as CI does: then it fails.
func findChromium(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("TROUPE_REQUIRE_CHROMIUM") != "" {
		t.Fatal("no Chromium found, and TROUPE_REQUIRE_CHROMIUM is set: install it (apt-get install chromium) or set CHROMIUM to its path")
	}
	t.Skip("no Chromium found: install Debian's chromium (apt-get install chromium) or set CHROMIUM to run the browser test")
	return ""
}

// newBrowser starts a headless Chromium with a fresh profile that does not
// reach for the network, closed at the end of the test.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(findChromium(t)),
		chromedp.NoSandbox, // headless as root, in a container
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(900, 720),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-domain-reliability", true),
		chromedp.Flag("no-pings", true),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	bctx, cancelBrowser := chromedp.NewContext(actx)
	t.Cleanup(func() {
		cancelBrowser()
		cancelAlloc()
	})
	if err := chromedp.Do(bctx); err != nil { // starts the browser
		t.Fatalf("start Chromium: %v", err)
	}
	return bctx
}

// tab is one page of the browser.
type tab struct {
	t    *testing.T
	name string
	ctx  context.Context
}

func newTab(t *testing.T, browser context.Context, name string) *tab {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browser)
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatal(err)
	}
	return &tab{t: t, name: name, ctx: ctx}
}

// do runs actions in the tab within the test's bound.
func (tb *tab) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, chattest.Wait)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		tb.t.Fatalf("%s: %s: %v", tb.name, what, err)
	}
}

// until waits for a JavaScript condition to hold in the page: the page
// tells when it has joined, received a line, reconnected.
func (tb *tab) until(what, js string) {
	tb.t.Helper()
	tb.do(what, chromedp.Poll[chromedp.Void](js, chromedp.WithPollingTimeout(chattest.Wait), chromedp.WithPollingInterval(20*time.Millisecond)))
}

func (tb *tab) open(url, room string) {
	tb.t.Helper()
	tb.do("open the page", chromedp.Navigate(url+"/?name="+tb.name+"&room="+room))
	tb.joined(room)
}

func (tb *tab) joined(room string) {
	tb.t.Helper()
	tb.until("join "+room, `document.body.dataset.joined === `+strconv.Quote(room))
}

func (tb *tab) send(text string) {
	tb.t.Helper()
	tb.do("send "+text, chromedp.SetValue(chromedp.CSS("#text"), text), chromedp.Click(chromedp.CSS("#send")))
	tb.until("the input is cleared after "+text, `document.getElementById('text').value === ''`)
}

// sees waits until the page shows a message whose text is text, as text.
func (tb *tab) sees(text string) {
	tb.t.Helper()
	tb.until("see "+text, `[...document.querySelectorAll('#messages .text')].some(e => e.textContent === `+strconv.Quote(text)+`)`)
}

// saysHistoryLost waits until the page says that its room's history was
// lost: the room it joined again was made anew.
func (tb *tab) saysHistoryLost() {
	tb.t.Helper()
	tb.until("say the history was lost", `[...document.querySelectorAll('#messages .notice.lost')].some(e => e.textContent.includes('history was lost'))`)
}

func (tb *tab) eval(what, js string) bool {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, chattest.Wait)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[bool](js))
	if err != nil {
		tb.t.Fatalf("%s: %s: %v", tb.name, what, err)
	}
	return v
}

func (tb *tab) screenshot(path string) {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, chattest.Wait)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		tb.t.Fatal(err)
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		tb.t.Fatal(err)
	}
	tb.t.Logf("screenshot of %s's page: %s", tb.name, path)
}

// artifacts is where the test leaves its screenshot: $CHAT_ARTIFACTS, or
// the test's temporary directory.
func artifacts(t *testing.T) string {
	if dir := os.Getenv("CHAT_ARTIFACTS"); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	return t.TempDir()
}

// The page in a real browser, through two nodes: ann's page talks to node
// a's gateway, bob's to node b's, and room foo lives on node c. A line from
// one appears in the other, markup is shown as text and never run, the
// backlog is there after a reload, both pages come back by themselves when
// b restarts, and when c stops and foo is made again on a, with a notice
// that its history was lost. A page asked for a room that does not exist
// says how to make it, and joins once it is made.
func TestBrowserChat(t *testing.T) {
	browser := newBrowser(t)
	start := time.Now()
	nodes := chattest.StartNamedCluster(t, chat.GatewayConfig{}, []string{"a", "c"}, nil, []string{"foo", "bar"})
	a, c := nodes[0], nodes[1]
	// b is stopped and started again by hand below.
	bcfg := chat.NodeConfig{
		Name:      "b",
		Remote:    &remote.Config{Addr: "127.0.0.1:0"},
		Directory: chat.DirectoryConfig{Rooms: []string{}, Peers: []string{a.NodeAddr(), c.NodeAddr()}},
	}
	b, err := chat.StartNode(bcfg)
	if err != nil {
		t.Fatal(err)
	}
	bStopped := false
	t.Cleanup(func() {
		if !bStopped {
			b.Stop(context.Background())
		}
	})
	chattest.Knows(t, b, "foo", "bar")

	ann := newTab(t, browser, "ann")
	bob := newTab(t, browser, "bob")

	// A room nobody has made: the page says how to make it, and waits.
	ann.do("open an unknown room", chromedp.Navigate(a.URL()+"/?name=ann&room=baz"))
	ann.until("say how to create baz", `document.getElementById('error').textContent.includes(`+
		strconv.Quote(`curl --json '{"name":"baz"}' `+a.URL()+`/rooms`)+`)`)
	if r := chattest.Call(t, "POST", a.URL()+"/rooms", chat.RoomRequest{Name: "baz"}); r.Status != 201 {
		t.Fatalf("make baz: %d %s", r.Status, r.Body)
	}
	ann.joined("baz")

	ann.open(a.URL(), "foo")
	bob.open(b.URL(), "foo")

	ann.send("hello from ann")
	bob.sees("hello from ann")
	bob.send("hi ann, bob here")
	ann.sees("hi ann, bob here")

	const xss = `<script>window.pwned = 1</script><img src=x onerror="window.pwned = 2"><b>bold?</b>`
	ann.send(xss)
	bob.sees(xss)
	for _, tb := range []*tab{ann, bob} {
		if !tb.eval("markup stays text", `window.pwned === undefined && document.querySelector('#messages script, #messages img, #messages b') === null`) {
			t.Fatalf("%s's page ran or parsed the posted markup", tb.name)
		}
	}

	bob.do("reload", chromedp.Reload())
	bob.joined("foo")
	bob.sees("hello from ann") // from the backlog
	bob.sees(xss)
	ann.send("the backlog survived a reload")
	bob.sees("the backlog survived a reload")
	// Nodes are named as the terminal names them.
	bob.until("say where the room is", `document.getElementById('where').textContent.startsWith('room foo on node c, via node b')`)

	dir := artifacts(t)
	bob.screenshot(filepath.Join(dir, "chat.png"))

	// Bob's node restarts on the same addresses: his page notices,
	// reconnects and joins foo again by itself, and the room, which did
	// not change, has kept its history.
	ctx, cancel := context.WithTimeout(context.Background(), chattest.Wait)
	defer cancel()
	bcfg.HTTP, bcfg.Remote = b.Addr(), &remote.Config{Addr: b.NodeAddr()}
	if err := b.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	bStopped = true
	bob.until("notice the node went away", `document.body.dataset.joined === ''`)
	b2 := chattest.StartNode(t, bcfg)
	bob.joined("foo")
	ann.send("back after b restarted")
	bob.sees("back after b restarted")
	bob.sees("hello from ann")
	if bob.eval("a notice of lost history", `document.querySelector('#messages .notice.lost') !== null`) {
		t.Fatal("bob's page says the history was lost, but foo kept it")
	}

	// The node of room foo stops: both pages are told, and join foo again
	// once it is made anew, on a, saying that its history was lost and
	// keeping what they had shown.
	if err := c.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	for _, tb := range []*tab{ann, bob} {
		tb.until("hear foo went away", `document.body.dataset.joined === ''`)
	}
	if r := chattest.Call(t, "POST", a.URL()+"/rooms", chat.RoomRequest{Name: "foo"}); r.Status != 201 {
		t.Fatalf("make foo again on a: %d %s", r.Status, r.Body)
	}
	chattest.Knows(t, b2, "foo")
	for _, tb := range []*tab{ann, bob} {
		tb.joined("foo")
		tb.saysHistoryLost()
		tb.sees("hello from ann") // what the page had kept
	}
	bob.send("foo lives on a now")
	ann.sees("foo lives on a now")
	bob.until("say where the room is now", `document.getElementById('where').textContent.startsWith('room foo on node a, via node b')`)
	t.Logf("the browser test took %v after Chromium started", time.Since(start).Round(time.Millisecond))
}

// The page on a cluster, where rooms are grains: ann's page joins zed, a
// room nobody made, which the join makes on the member the cluster picks;
// the pages list it, bob joins it through another node, and when zed's
// node dies both pages hear it went away, join it again by themselves on
// the member that owns it now, say that its history was lost, and go on.
func TestBrowserChatOnACluster(t *testing.T) {
	browser := newBrowser(t)
	nodes := chattest.StartGrains(t, chat.GatewayConfig{}, "a", "b", "c")
	ann := newTab(t, browser, "ann")
	bob := newTab(t, browser, "bob")

	ann.open(nodes[0].URL(), "zed")
	ann.until("list zed, and say any name is a room", `[...document.querySelectorAll('#rooms option')].some(o => o.value === 'zed') && `+
		`document.getElementById('hint').textContent.includes('Any name is a room')`)
	host := chattest.RoomsOf(t, nodes[0])["zed"]
	var others []*chat.Node
	for _, n := range nodes {
		if n.NodeAddr() != host {
			others = append(others, n)
		}
	}
	if len(others) != 2 {
		t.Fatalf("zed is on %q, not one of the nodes", host)
	}
	// Both pages on the nodes that do not host zed, which live on.
	if others[0] != nodes[0] {
		ann.open(others[0].URL(), "zed")
	}
	bob.open(others[1].URL(), "zed")
	ann.send("hello zed")
	bob.sees("hello zed")

	chattest.Kill(t, nodesByAddr(nodes)[host])
	for _, tb := range []*tab{ann, bob} {
		tb.until("hear zed went away", `document.body.dataset.joined === ''`)
	}
	for _, tb := range []*tab{ann, bob} {
		tb.joined("zed")
		tb.saysHistoryLost()
		tb.sees("hello zed") // what the page had kept
	}
	bob.send("zed lives on")
	ann.sees("zed lives on")
	chattest.Eventually(t, "the rooms list zed on a live node", func() bool {
		now := chattest.RoomsOf(t, others[0])["zed"]
		return now == others[0].NodeAddr() || now == others[1].NodeAddr()
	})
}

func nodesByAddr(nodes []*chat.Node) map[string]*chat.Node {
	m := map[string]*chat.Node{}
	for _, n := range nodes {
		m[n.NodeAddr()] = n
	}
	return m
}
