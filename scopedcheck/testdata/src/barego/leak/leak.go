// Package leak is not strict: only goroutines that leak are reported.
package leak

import (
	"context"
	"errors"
)

type result struct {
	v   int
	err error
}

func fetch() result { return result{} }

// The classic: the receiver gives up on ctx.Done and the send blocks.
func withTimeout(ctx context.Context) (int, error) {
	ch := make(chan result)
	go func() { ch <- fetch() }() // want `goroutine sends on unbuffered channel ch \(made at line 18\), but the return at line 24 is reached without receiving from ch, and the send then blocks forever: give ch a buffer for every send, or receive before returning`
	select {
	case r := <-ch:
		return r.v, r.err
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

// An early return before the receive.
func earlyReturn(check func() error) (int, error) {
	done := make(chan int, 0)
	go func() { // want `goroutine sends on unbuffered channel done \(made at line 30\), but the return at line 35 is reached`
		done <- fetch().v
	}()
	if err := check(); err != nil {
		return 0, err
	}
	return <-done, nil
}

// Sends in a loop: no fix, a buffer of one is not enough.
func loopSends(ctx context.Context, n int) error {
	ch := make(chan int)
	go func() { // want `goroutine sends on unbuffered channel ch \(made at line 42\), but the return at line 50 is reached`
		for i := range n {
			ch <- i
		}
		close(ch)
	}()
	if n > 10 {
		return errors.New("too many")
	}
	for range ch {
	}
	return nil
}

// Silent: received on every path.
func everyPath(ctx context.Context) int {
	ch := make(chan int)
	go func() { ch <- fetch().v }()
	select {
	case v := <-ch:
		return v
	case <-ctx.Done():
		<-ch
		return 0
	}
}

// Silent: buffered.
func buffered(ctx context.Context) (int, error) {
	ch := make(chan result, 1)
	go func() { ch <- fetch() }()
	select {
	case r := <-ch:
		return r.v, r.err
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

// Silent: the goroutine's send can take another case.
func guarded(ctx context.Context) (int, error) {
	ch := make(chan int)
	go func() {
		select {
		case ch <- fetch().v:
		case <-ctx.Done():
		}
	}()
	select {
	case v := <-ch:
		return v, nil
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

// Silent: the channel is handed on.
func handedOn() <-chan int {
	ch := make(chan int)
	go func() { ch <- 1 }()
	return ch
}

// Silent with an allow comment.
func allowed(ctx context.Context) int {
	ch := make(chan int)
	go func() { ch <- 1 }() //scoped:allow barego: the sender is told to stop elsewhere
	select {
	case v := <-ch:
		return v
	case <-ctx.Done():
		return 0
	}
}
