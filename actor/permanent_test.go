package actor_test

import (
	"strings"
	"testing"

	"github.com/troupe-go/troupe/actor"
	"github.com/troupe-go/troupe/supervisor"
)

// quitter stops itself on "quit".
func quitter(note func(string)) func(c *actor.Context) {
	return func(c *actor.Context) {
		switch c.Message() {
		case actor.Started{}:
			note("started")
		case actor.Stopped{}:
			note("stopped")
		case "quit":
			c.Stop(c.Self())
		}
	}
}

// A child that stops itself is restarted only if its supervisor's restart
// type is Permanent, as in OTP; Transient, the default, lets it go.
func TestPermanentChildIsRestartedWhenItStopsItself(t *testing.T) {
	for _, tt := range []struct {
		restart supervisor.RestartType
		want    string
	}{
		{supervisor.Permanent, "kid started, kid started"},
		{supervisor.Transient, "kid started, kid stopped"},
	} {
		t.Run(tt.restart.String(), func(t *testing.T) {
			sys := newSystem(t)
			log := newLifelog()
			strategy := supervisor.OneForOne(append(noBackoff(), supervisor.WithRestartType(tt.restart))...)
			sys.SpawnFunc(func(c *actor.Context) {
				if _, ok := c.Message().(actor.Started); ok {
					c.SpawnFunc(quitter(log.note("kid")), actor.WithName("kid"))
				}
			}, actor.WithSupervisor(strategy))
			log.waitFor(t, 1)
			sys.Send(actor.PID{ID: "kid"}, "quit")
			if got := strings.Join(log.waitFor(t, 2), ", "); got != tt.want {
				t.Fatalf("got %s, want %s", got, tt.want)
			}
		})
	}
}

func TestPermanentTopLevelActorIsRestarted(t *testing.T) {
	sys := newSystem(t, actor.WithGuardian(supervisor.OneForOne(
		append(noBackoff(), supervisor.WithRestartType(supervisor.Permanent))...)))
	log := newLifelog()
	pid, _ := sys.SpawnFunc(quitter(log.note("top")))
	log.waitFor(t, 1)
	sys.Send(pid, "quit")
	if got := strings.Join(log.waitFor(t, 2), ", "); got != "top started, top started" {
		t.Fatalf("got %s", got)
	}
	// A stop from outside is never a reason to restart.
	sys.Stop(pid)
	if got := log.waitFor(t, 3); got[2] != "top stopped" {
		t.Fatalf("got %v", got)
	}
}
