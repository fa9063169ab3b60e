package mailbox

// Storage reports how many slots the queue holds, queued or not: the items
// buffer and the batch buffer Drain hands out.
func (q *Queue[T]) Storage() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return cap(q.in) + cap(q.out)
}
