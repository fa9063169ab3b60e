package server

// ForcedCloseWait is how long Stop and Close wait for handlers after
// closing their connections.
const ForcedCloseWait = forcedCloseWait

// Active returns the number of connections accepted and not yet closed.
func (s *Server) Active() int { return int(s.active.Load()) }

// NoJitter makes the accept backoff of s exact, for a test to compare.
// It must be called before Start.
func NoJitter(s *Server) { s.backoff.Rand = func() float64 { return 0 } }

// IsTemporary exposes the accept loop's retry test.
var IsTemporary = isTemporary
