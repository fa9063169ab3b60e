package mailbox_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/troupe-go/troupe/mailbox"
)

func Example() {
	ctx := context.Background()
	q := mailbox.New[string](2, mailbox.WithOverflow(mailbox.Reject))
	fmt.Println(q.Put(ctx, "first"), q.Put(ctx, "second"))
	if err := q.Put(ctx, "third"); errors.Is(err, mailbox.ErrFull) {
		fmt.Println("third:", err)
	}
	v, _ := q.Get(ctx)
	fmt.Println(v, q.Len())
	// Output:
	// <nil> <nil>
	// third: mailbox: full
	// first 1
}

func ExampleQueue_OnDrop() {
	q := mailbox.New[int](2, mailbox.WithOverflow(mailbox.DropOldest)).
		OnDrop(func(v int) { fmt.Println("dropped", v) })
	for i := 1; i <= 3; i++ {
		q.TryPut(i)
	}
	batch, _ := q.Drain()
	fmt.Println(batch)
	// Output:
	// dropped 1
	// [2 3]
}
