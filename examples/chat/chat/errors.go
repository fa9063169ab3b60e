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

	// ErrRoomFull means a room has as many users as RoomConfig.MaxUsers.
	ErrRoomFull = errors.New("chat: room is full")

	// ErrTooManyUsers means a gateway serves as many users as
	// GatewayConfig.MaxUsers.
	ErrTooManyUsers = errors.New("chat: too many users on this gateway")

	// ErrRateLimited means a user posts faster than UserConfig.Rate allows.
	ErrRateLimited = errors.New("chat: posting too fast")

	// ErrUserGone means the user actor stopped (it idled out, or its node
	// stopped): the client should join again.
	ErrUserGone = errors.New("chat: user is gone")
)
