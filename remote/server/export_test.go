package server

// ForcedCloseWait is how long Stop and Close wait for handlers after
// closing their connections.
const ForcedCloseWait = forcedCloseWait

// Active returns the number of connections accepted and not yet closed.
func (s *Server) Active() int { return int(s.active.Load()) }

// IsTemporary exposes the accept loop's retry test.
var IsTemporary = isTemporary
