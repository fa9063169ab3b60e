package chat

import "github.com/troupe-go/troupe/remote"

// RegisterTypes registers with types every message of the chat that may
// cross from one node to another, under the names "chat.Post" and so on:
// every node of a chat must register them. StartNode does it for the
// node's own Types.
func RegisterTypes(types *remote.Types) {
	// Rooms.
	remote.Register[Message](types, "chat.Message")
	remote.Register[Post](types, "chat.Post")
	remote.Register[Posted](types, "chat.Posted")
	remote.Register[Join](types, "chat.Join")
	remote.Register[Joined](types, "chat.Joined")
	remote.Register[Refused](types, "chat.Refused")
	remote.Register[NoRoom](types, "chat.NoRoom")
	remote.Register[Leave](types, "chat.Leave")
	remote.Register[Left](types, "chat.Left")
	remote.Register[GetBacklog](types, "chat.GetBacklog")
	remote.Register[Backlog](types, "chat.Backlog")
	// From rooms to users.
	remote.Register[Delivery](types, "chat.Delivery")
	remote.Register[Missed](types, "chat.Missed")
	// Between directories, and from gateways to directories.
	remote.Register[Lookup](types, "chat.Lookup")
	remote.Register[Location](types, "chat.Location")
	remote.Register[CreateRoom](types, "chat.CreateRoom")
	remote.Register[ListRooms](types, "chat.ListRooms")
	remote.Register[RoomList](types, "chat.RoomList")
	remote.Register[Announce](types, "chat.Announce")
	remote.Register[Meet](types, "chat.Meet")
}
