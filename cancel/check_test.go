package cancel_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"testing"
	"time"

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

func TestCheckpoint(t *testing.T) {
	live, cancelLive := context.WithCancel(context.Background())
	defer cancelLive()
	canceled, cancelCanceled := context.WithCancel(context.Background())
	cancelCanceled()
	withCause, cancelWithCause := context.WithCancelCause(context.Background())
	cancelWithCause(errA)
	expired, cancelExpired := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancelExpired()

	tests := []struct {
		name string
		ctx  context.Context
		want error
	}{
		{"background", context.Background(), nil},
		{"live", live, nil},
		{"canceled", canceled, context.Canceled},
		{"canceled with a cause", withCause, errA},
		{"deadline passed", expired, context.DeadlineExceeded},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := cancel.Checkpoint(tt.ctx); got != tt.want {
				t.Errorf("Checkpoint(ctx) = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestCheckpointPanicsOnNil(t *testing.T) {
	wantPanic(t, "Checkpoint(nil)", "cancel:", "nil Context", func() {
		//lint:ignore SA1012 the nil is the point
		cancel.Checkpoint(nil)
	})
}
