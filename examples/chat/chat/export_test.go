package chat

// InboxOf returns the inbox of the user called name, or nil.
func (g *Gateway) InboxOf(name string) *Inbox {
	g.mu.Lock()
	defer g.mu.Unlock()
	if e, ok := g.users[name]; ok {
		return e.inbox
	}
	return nil
}

// Printable is printable, the terminal client's escaping.
var Printable = printable

// ClientAddr is clientAddr, the address UsersPerAddr counts by.
var ClientAddr = clientAddr
