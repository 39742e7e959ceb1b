package timeout_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/scoped-go/scoped/timeout"
)

func TestErrTimeoutIsDeadlineExceeded(t *testing.T) {
	if !errors.Is(timeout.ErrTimeout, context.DeadlineExceeded) {
		t.Errorf("errors.Is(ErrTimeout, DeadlineExceeded) = false, want true")
	}
}

func TestError(t *testing.T) {
	tests := []struct {
		name string
		err  *timeout.Error
		msg  string
	}{
		{"with fn's error", &timeout.Error{Limit: 2 * time.Second, Err: errA}, "timeout: exceeded 2s: a failed"},
		{"alone", &timeout.Error{Limit: 1500 * time.Millisecond}, "timeout: exceeded 1.5s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.err.Error(); got != tt.msg {
				t.Errorf("Error() = %q, want %q", got, tt.msg)
			}
			for _, target := range []error{timeout.ErrTimeout, context.DeadlineExceeded} {
				if !errors.Is(tt.err, target) {
					t.Errorf("errors.Is(err, %v) = false, want true", target)
				}
			}
			if errors.Is(tt.err, context.Canceled) {
				t.Errorf("errors.Is(err, Canceled) = true, want false")
			}
			if got := errors.Unwrap(tt.err); got != tt.err.Err {
				t.Errorf("errors.Unwrap(err) = %v, want %v", got, tt.err.Err)
			}
			var net interface{ Timeout() bool }
			if !errors.As(tt.err, &net) || !net.Timeout() {
				t.Errorf("err has no Timeout method that reports true")
			}
		})
	}
}
