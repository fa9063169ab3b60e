package chat

import "errors"

// The errors of the chat. Validation errors say what is wrong with a
// person's input; the gateway turns each into a 4xx answer with a JSON body.
var (
	// ErrEmptyText means a post has no text, or only spaces.
	ErrEmptyText = errors.New("chat: text is empty")

	// ErrTextTooLong means a post's text is over MaxText bytes.
	ErrTextTooLong = errors.New("chat: text is too long")

	// ErrInvalidUTF8 means a text, name or request body is not valid UTF-8.
	ErrInvalidUTF8 = errors.New("chat: not valid UTF-8")

	// ErrBadName means a user or room name is empty, too long, or has a
	// character names may not have (see ValidName).
	ErrBadName = errors.New("chat: bad name")

	// ErrUnknownRoom means no node hosts a room of that name.
	ErrUnknownRoom = errors.New("chat: unknown room")

	// ErrTooManyRooms means, on a cluster, that the node the cluster
	// places a new room on already has DirectoryConfig.MaxRooms rooms.
	ErrTooManyRooms = errors.New("chat: too many rooms")

	// ErrRoomFull means a room has as many users as RoomConfig.MaxUsers.
	ErrRoomFull = errors.New("chat: room is full")

	// ErrTooManyUsers means a gateway serves as many users as
	// GatewayConfig.MaxUsers.
	ErrTooManyUsers = errors.New("chat: too many users on this gateway")

	// ErrTooManyUsersFromAddr means the requests of one client address
	// have made as many users of a gateway as GatewayConfig.UsersPerAddr.
	ErrTooManyUsersFromAddr = errors.New("chat: too many users from your address")

	// ErrTooManyStreams means a user, or the gateway, has as many event
	// streams and long polls open as GatewayConfig.StreamsPerUser, or
	// GatewayConfig.MaxStreams, allows.
	ErrTooManyStreams = errors.New("chat: too many event streams")

	// ErrCrossSite means a browser sent a request that changes something
	// from a page of another site: refused, so that no page elsewhere can
	// post, join or make rooms in the person's name.
	ErrCrossSite = errors.New("chat: cross-site request refused")

	// ErrBadHost means a request named a Host the gateway does not answer
	// to (see GatewayConfig.Hosts).
	ErrBadHost = errors.New("chat: host not allowed")

	// ErrNotJSON means a request body came with a Content-Type other than
	// application/json.
	ErrNotJSON = errors.New("chat: the body must be JSON, with Content-Type: application/json")

	// ErrSlowBody means a request body did not arrive within
	// GatewayConfig.BodyTimeout.
	ErrSlowBody = errors.New("chat: the request body came too slowly")

	// ErrRateLimited means a user posts faster than UserConfig.Rate allows.
	ErrRateLimited = errors.New("chat: posting too fast")

	// ErrUserGone means the user actor stopped (it idled out, or its node
	// stopped): the client should join again.
	ErrUserGone = errors.New("chat: user is gone")
)
