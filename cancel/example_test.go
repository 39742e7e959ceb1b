package cancel_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/scoped-go/scoped/cancel"
)

// A request is served under both the client's context and the server's
// shutdown context; whichever ends first ends the request.
func ExampleMerge() {
	client, hangUp := context.WithCancelCause(context.WithValue(context.Background(), key("user"), "ana"))
	defer hangUp(nil)
	server, shutDown := context.WithCancelCause(context.Background())
	defer shutDown(nil)

	ctx, release := cancel.Merge(client, server)
	defer release()

	shutDown(errors.New("server shutting down"))
	<-ctx.Done()
	fmt.Println("user:", ctx.Value(key("user")))
	fmt.Println("cause:", context.Cause(ctx))
	fmt.Println("client still connected:", client.Err() == nil)
	// Output:
	// user: ana
	// cause: server shutting down
	// client still connected: true
}

// A transaction is rolled back after its request was canceled: the rollback
// runs under a shielded context that keeps the request's values.
func ExampleShield() {
	rollback := func(ctx context.Context) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		fmt.Println("rolled back the transaction of", ctx.Value(key("request")))
		return nil
	}

	ctx, cancelReq := context.WithCancelCause(context.WithValue(context.Background(), key("request"), "req-42"))
	cancelReq(errors.New("client went away"))

	fmt.Println("rollback under ctx:", rollback(ctx))

	cleanup, done := cancel.Shield(ctx, 5*time.Second)
	defer done()
	fmt.Println("rollback under Shield:", rollback(cleanup))
	// Output:
	// rollback under ctx: context canceled
	// rolled back the transaction of req-42
	// rollback under Shield: <nil>
}

func ExampleIsCancellation() {
	for _, err := range []error{
		context.Canceled,
		fmt.Errorf("query: %w", context.DeadlineExceeded),
		io.ErrUnexpectedEOF,
		nil,
	} {
		fmt.Printf("%v: %v\n", err, cancel.IsCancellation(err))
	}
	// Output:
	// context canceled: true
	// query: context deadline exceeded: true
	// unexpected EOF: false
	// <nil>: false
}
