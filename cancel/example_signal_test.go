//go:build unix

package cancel_test

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/scoped-go/scoped/cancel"
)

// A server stops taking work at SIGINT and cuts off what is still running
// after a grace period. The example sends SIGINT to its own process once
// signal.NotifyContext has registered for it.
func ExampleGraceful() {
	sigctx, unregister := signal.NotifyContext(context.Background(), os.Interrupt)
	defer unregister()
	stop, hard, release := cancel.Graceful(sigctx, 20*time.Millisecond)
	defer release()

	// A long request in flight, which only hard cuts off.
	cutOff := make(chan error, 1) // a buffer: an early return must not strand the sender
	go func() {
		<-hard.Done()
		cutOff <- context.Cause(hard)
	}()

	// The operator presses Ctrl-C.
	if err := syscall.Kill(os.Getpid(), syscall.SIGINT); err != nil {
		fmt.Println(err)
		return
	}

	<-stop.Done()
	fmt.Println("stop taking requests:", context.Cause(stop))
	fmt.Println("request cut off:", <-cutOff)
	// Output:
	// stop taking requests: interrupt signal received
	// request cut off: cancel: grace period of 20ms after stop is over: interrupt signal received
}
