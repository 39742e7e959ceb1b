package cancel_test

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
)

type key string

// hookCtx is a context of a foreign type that counts the callbacks
// registered on it through its AfterFunc method and not yet stopped or run.
// Its Value hides the standard library's internals, so that
// context.AfterFunc and context.WithCancel must go through the AfterFunc
// method.
type hookCtx struct {
	context.Context
	live atomic.Int32
}

func (c *hookCtx) Value(any) any { return nil }

func (c *hookCtx) AfterFunc(f func()) func() bool {
	c.live.Add(1)
	stop := context.AfterFunc(c.Context, func() {
		c.live.Add(-1)
		f()
	})
	return func() bool {
		stopped := stop()
		if stopped {
			c.live.Add(-1)
		}
		return stopped
	}
}

// wantPanic calls f and checks that it panics with a message that starts
// with prefix and contains want.
func wantPanic(t *testing.T, call, prefix, want string, f func()) {
	t.Helper()
	defer func() {
		t.Helper()
		r := recover()
		msg := fmt.Sprint(r)
		if r == nil || !strings.HasPrefix(msg, prefix) || !strings.Contains(msg, want) {
			t.Errorf("%s panicked with %v, want a panic starting %q and mentioning %q", call, r, prefix, want)
		}
	}()
	f()
}
