// Package chat is a chat server built from actors: the classic chat room
// of gevent's tutorial (rooms foo and bar, a backlog of the last 25
// messages, a queue per user, a long poll that waits up to 10 s), with a
// web page, a terminal client and an HTTP API.
//
// Each room is an actor (NewRoom) that keeps its backlog and its
// subscribers and fans every post out. Each person who connects has a user
// actor (NewUser) on the node they connect to, which fills a bounded Inbox
// for its client and keeps the person's rate limit. A node's directory
// (SpawnDirectory) knows which rooms exist and hosts, spawns and supervises
// the node's own. The Gateway is the HTTP face of a node:
//
//	GET  /                          the page (package page)
//	GET  /node                      this node: {"addr","name"}
//	GET  /rooms                     the rooms: [{"name","node","nodeName"}]
//	POST /rooms                     create a room here (on a cluster: where it is placed): {"name"}; answers {"name","node","nodeName"}
//	GET  /rooms/{room}/backlog      the last 25 messages, oldest first
//	POST /rooms/{room}/join         {"user"}: subscribe; answers the backlog
//	POST /rooms/{room}/leave        {"user"}
//	POST /rooms/{room}/messages     {"user","text"}: say something
//	GET  /users/{user}/events       the person's events, as server-sent events
//	POST /poll/{user}               the same as a long poll: up to 10 s, [] if none
//
// Actors address rooms by PID only, and every message they exchange is a
// plain struct of exported fields (see messages.go), so rooms and users
// live on different nodes: a person's user actor is on the node whose
// gateway they use, and the room on whichever node hosts it. RegisterTypes
// registers the messages with a remote node; the directories of the nodes
// tell each other which rooms they host (Announce), and watch them, so a
// room whose node stops is forgotten everywhere, and its users are told it
// went away.
//
// On a cluster (NodeConfig.Cluster; see package cluster), the rooms are
// grains instead: the room called name is the grain RoomGrain(name), which
// the cluster activates on the member that owns that name on its first
// message. Any room name then exists as soon as someone joins it, and a
// room whose node dies comes back on another member on its next message,
// empty and with a new epoch, which the page shows as lost history. The
// directories still list the rooms (a room grain tells its node's
// directory when it starts, and the directory meets every member), but
// spawn none.
//
// Bad input is refused with a 4xx status and a JSON body {"error","status"}:
// an empty text, one over MaxText bytes or not UTF-8, a bad name, an unknown
// room, a full room, a user posting faster than its rate limit, a body
// that is not labelled JSON or comes too slowly. A client that does not
// read costs at most its inbox and is cut off after
// GatewayConfig.WriteTimeout; nobody else waits for it. What one client can
// hold is bounded: users per client address, streams per user and per
// gateway. A page of another site cannot use the API in the visitor's
// name (cross-site requests are refused), nor read it by pointing a name
// of its own at the gateway (only IP addresses, localhost and
// GatewayConfig.Hosts are answered).
//
// StartNode wires a System, its remote node, its cluster member if any, a
// directory and a gateway, with Prometheus metrics at /metrics; RunClient
// is the terminal client. The command examples/chat runs them, and
// docs/tutorial/chat.md builds the whole thing step by step.
package chat
