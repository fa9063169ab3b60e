package chat

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxText is the longest text a post may have, in bytes.
const MaxText = 4096

// MaxName is the longest user or room name, in characters.
const MaxName = 32

// Validate reports what is wrong with a post: a bad user name, an empty
// text, a text over MaxText bytes, or one that is not valid UTF-8.
func (p Post) Validate() error {
	if err := ValidName(p.User); err != nil {
		return err
	}
	return ValidText(p.Text)
}

// ValidText reports whether s may be said in a room.
func ValidText(s string) error {
	switch {
	case !utf8.ValidString(s):
		return ErrInvalidUTF8
	case len(s) > MaxText:
		return fmt.Errorf("%w: %d bytes, at most %d", ErrTextTooLong, len(s), MaxText)
	case strings.TrimSpace(s) == "":
		return ErrEmptyText
	}
	return nil
}

// ValidName reports whether s may name a user or a room: 1 to MaxName
// letters, digits, '-', '_' or '.', and not "." or "..". Names go into
// URLs and actor IDs, so they are kept plain.
func ValidName(s string) error {
	if !utf8.ValidString(s) {
		return ErrInvalidUTF8
	}
	n := utf8.RuneCountInString(s)
	if n == 0 || n > MaxName {
		return fmt.Errorf("%w: %q must have 1 to %d characters", ErrBadName, s, MaxName)
	}
	if s == "." || s == ".." {
		// In a URL path they mean "here" and "up": no request could name it.
		return fmt.Errorf("%w: %q is not a name", ErrBadName, s)
	}
	for _, r := range s {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '-' && r != '_' && r != '.' {
			return fmt.Errorf("%w: %q may hold only letters, digits, '-', '_' and '.'", ErrBadName, s)
		}
	}
	return nil
}
