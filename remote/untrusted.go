package remote

import (
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"
)

// rareLog lets one record of its kind through per second: the refusals a
// peer can cause at will are logged, not at the rate it causes them.
type rareLog struct{ last atomic.Int64 }

func (r *rareLog) allow() bool {
	now := time.Now().UnixNano()
	last := r.last.Load()
	return now-last >= int64(time.Second) && r.last.CompareAndSwap(last, now)
}

// maxLogString bounds a string from the network as logged: whatever a
// peer sends, one log record stays small.
const maxLogString = 256

// logString makes s, a string that came from the network (an address, an
// id, a type name, a reason), fit for a log record: valid UTF-8, cut to
// maxLogString bytes, with the length it had when cut.
func logString(s string) string {
	if len(s) <= maxLogString && utf8.ValidString(s) {
		return s
	}
	n := len(s)
	s = strings.ToValidUTF8(s, "\uFFFD")
	if len(s) > maxLogString {
		cut := maxLogString
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "...(" + strconv.Itoa(n) + " bytes)"
	}
	return s
}
