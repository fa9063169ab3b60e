package actor

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// logEvery is the least time between two error records of the same kind of
// trouble: a flood of panics must not flood the log.
const logEvery = time.Second

// logLimits rate-limits the runtime's error records per kind of trouble and
// actor kind: the first is written whole, with its stack; after that at most
// one each logEvery, with how many were held back since. Events, counts and
// the Observer still see every occurrence.
type logLimits struct {
	mu   sync.Mutex
	seen map[logKey]*logLimit
}

type logKey struct{ what, kind string }

type logLimit struct {
	last time.Time
	held int // records held back since the last one written
}

// allow reports whether a record may be written now, whether it is the
// first of its key, and how many were held back before it.
func (l *logLimits) allow(key logKey) (ok, first bool, held int) {
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	lim := l.seen[key]
	if lim == nil {
		if l.seen == nil {
			l.seen = make(map[logKey]*logLimit)
		}
		l.seen[key] = &logLimit{last: now}
		return true, true, 0
	}
	if now.Sub(lim.last) < logEvery {
		lim.held++
		return false, false, 0
	}
	held, lim.held, lim.last = lim.held, 0, now
	return true, false, held
}

// logLimited writes an error record unless too many of the same kind came
// just before it. The first record of a kind carries the stack, if stack is
// not nil; later ones carry "suppressed", the count held back since the
// last one written. The record's attributes are made by args, called only
// when the record is written: a flood of panics pays for none of them.
func (s *System) logLimited(what, kind, msg string, stack func() []byte, args func() []any) {
	if !s.logger.Enabled(context.Background(), slog.LevelError) {
		return
	}
	ok, first, held := s.limits.allow(logKey{what, kind})
	if !ok {
		return
	}
	attrs := args()
	if first && stack != nil {
		attrs = append(attrs, "stack", string(stack()))
	}
	if !first {
		attrs = append(attrs, "suppressed", held)
	}
	s.logger.Error(msg, attrs...)
}
