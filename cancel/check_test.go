package cancel_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/scoped-go/scoped/cancel"
)

// signalLike mimics the cause os/signal.NotifyContext gives.
type signalLike string

func (s signalLike) Error() string        { return string(s) }
func (s signalLike) Is(target error) bool { return target == context.Canceled }

func TestIsCancellation(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"Canceled", context.Canceled, true},
		{"DeadlineExceeded", context.DeadlineExceeded, true},
		{"wrapped Canceled", fmt.Errorf("query: %w", context.Canceled), true},
		{"wrapped DeadlineExceeded", fmt.Errorf("dial: %w", context.DeadlineExceeded), true},
		{"joined", errors.Join(io.EOF, context.Canceled), true},
		{"signal cause", signalLike("interrupt signal received"), true},
		{"other error", io.EOF, false},
		{"text alike", errors.New("context canceled"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := cancel.IsCancellation(tt.err); got != tt.want {
				t.Errorf("IsCancellation(%v) = %v, want %v", tt.err, got, tt.want)
			}
		})
	}
}
