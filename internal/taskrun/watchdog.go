package taskrun

import (
	"fmt"
	"os"
	"sync"
	"time"
)

// A Watchdog crashes the program with a panic that its owner holds and
// cannot deliver: a nursery whose canceled tasks do not return, a
// taskgroup.Group whose Wait does not come. The zero Watchdog is disarmed.
type Watchdog struct {
	mu    sync.Mutex // guards the fields below
	timer *time.Timer
	gen   uint64 // counts arms, so that a stopped timer that fires anyway is recognized
}

// Arm starts the watchdog unless it is armed already. If Stop is not called
// within grace, the watchdog calls report, prints its message to standard
// error and panics with its value, in the timer's own goroutine, where
// nothing can recover it.
func (w *Watchdog) Arm(grace time.Duration, report func() (msg string, v any)) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.timer != nil {
		return
	}
	w.gen++
	gen := w.gen
	w.timer = time.AfterFunc(grace, func() { w.fire(gen, report) })
}

// Stop disarms the watchdog. A later Arm arms it again.
func (w *Watchdog) Stop() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.timer != nil {
		w.timer.Stop()
		w.timer = nil
	}
}

func (w *Watchdog) fire(gen uint64, report func() (string, any)) {
	w.mu.Lock()
	live := w.timer != nil && w.gen == gen
	w.mu.Unlock()
	if !live {
		return // stopped as it fired
	}
	msg, v := report()
	fmt.Fprintln(os.Stderr, msg)
	panic(v)
}
