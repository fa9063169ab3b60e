package mailbox

// RingLen reports how many slots the queue's storage holds, queued or not.
func (q *Queue[T]) RingLen() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.ring)
}
