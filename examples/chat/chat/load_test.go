package chat_test

import (
	"fmt"
	"net/http"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/troupe-go/troupe/examples/chat/chat"
)

// loadDuration is how long the simulated users post: a few seconds in CI,
// longer with CHAT_LOAD_DURATION=10s.
func loadDuration(t *testing.T) time.Duration {
	if s := os.Getenv("CHAT_LOAD_DURATION"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil {
			t.Fatalf("CHAT_LOAD_DURATION: %v", err)
		}
		return d
	}
	return 2 * time.Second
}

// tally is what one simulated user has heard of its room.
type tally struct {
	seen   map[uint64]bool
	missed int
	dup    int
	order  int // messages that came before one already seen
	last   uint64
}

// TestLoad: 200 users spread over three nodes, half in foo (hosted by the
// third node) and half in bar (the second), each reading its event stream
// through its own node's gateway and posting about once a second for a
// bounded time. Every post must reach every user of its room exactly once,
// or be counted as missed in what the user's client is shown.
func TestLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("a load test")
	}
	const users = 200
	const every = time.Second // each user posts about twice in the default 2 s
	nodes := startClusterWith(t, chat.GatewayConfig{
		MaxUsers: users,
		// Every simulated user comes from 127.0.0.1.
		UsersPerAddr: users,
		User:         chat.UserConfig{Rate: 10, Burst: 10},
		// A post waits behind those queued at its room: on a busy
		// machine under the race detector that can take seconds.
		RequestTimeout: wait,
	}, nil, []string{"bar"}, []string{"foo"})
	url := func(i int) string { return nodes[i%len(nodes)].URL() }
	rooms := []string{"foo", "bar"}
	start := time.Now()

	var mu sync.Mutex
	tallies := make([]*tally, users)
	changed := make(chan struct{}, 1)
	streams := make([]*stream, users)
	for i := range users {
		name := fmt.Sprint("user", i)
		streams[i] = openStream(t, url(i), name)
		join(t, url(i), rooms[i%2], name)
		tallies[i] = &tally{seen: make(map[uint64]bool)}
	}
	t.Logf("%d users joined in %v", users, time.Since(start))
	var readers sync.WaitGroup
	for i, s := range streams {
		readers.Add(1)
		go func() {
			defer readers.Done()
			for ev := range s.C {
				mu.Lock()
				tl := tallies[i]
				switch ev.Type {
				case chat.EventMessage:
					seq := ev.Message.Seq
					switch {
					case tl.seen[seq]:
						tl.dup++
					case seq < tl.last:
						tl.order++
					}
					tl.seen[seq] = true
					tl.last = max(tl.last, seq)
				case chat.EventMissed:
					tl.missed += ev.Missed
				}
				mu.Unlock()
				select {
				case changed <- struct{}{}:
				default:
				}
			}
		}()
	}

	// Post for the duration, each user at its own pace.
	duration := loadDuration(t)
	posted := make([]int, len(rooms))
	var pmu sync.Mutex
	var posters sync.WaitGroup
	deadline := time.Now().Add(duration)
	for i := range users {
		posters.Add(1)
		go func() {
			defer posters.Done()
			room := rooms[i%2]
			time.Sleep(time.Duration(i) * every / users) // spread the users over the period
			for k := 0; time.Now().Before(deadline); k++ {
				r := call(t, "POST", url(i)+"/rooms/"+room+"/messages",
					chat.PostRequest{User: fmt.Sprint("user", i), Text: fmt.Sprint("message ", k, " from user", i)})
				if r.Status != http.StatusCreated {
					t.Errorf("user%d post %d: %d %s", i, k, r.Status, r.Body)
					return
				}
				pmu.Lock()
				posted[i%2]++
				pmu.Unlock()
				time.Sleep(every)
			}
		}()
	}
	posters.Wait()
	t.Logf("posting ended after %v", time.Since(start))
	if t.Failed() {
		return
	}

	// Wait until every user has heard of every post of its room.
	complete := func() (done bool, report string) {
		mu.Lock()
		defer mu.Unlock()
		for i, tl := range tallies {
			if got, want := len(tl.seen)+tl.missed, posted[i%2]; got < want {
				return false, fmt.Sprintf("user%d has %d of %d messages (%d missed)", i, got, want, tl.missed)
			}
		}
		return true, ""
	}
	timeout := time.After(wait)
	for {
		done, report := complete()
		if done {
			break
		}
		select {
		case <-changed:
		case <-timeout:
			t.Fatalf("not every post reached every subscriber: %s", report)
		}
	}
	for _, s := range streams {
		s.close()
	}
	readers.Wait()

	missed := 0
	for i, tl := range tallies {
		want := posted[i%2]
		if tl.dup > 0 || tl.order > 0 || len(tl.seen)+tl.missed != want {
			t.Errorf("user%d: %d messages, %d missed, %d duplicates, %d out of order; %d posted",
				i, len(tl.seen), tl.missed, tl.dup, tl.order, want)
		}
		for seq := range tl.seen {
			if seq < 1 || seq > uint64(want) {
				t.Errorf("user%d heard message %d of %d", i, seq, want)
			}
		}
		missed += tl.missed
	}
	total := posted[0] + posted[1]
	t.Logf("%d users on %d nodes, %v: %d posts (%.0f/s), %d deliveries, %d missed and told",
		users, len(nodes), duration, total, float64(total)/duration.Seconds(), total*users/2, missed)
}
