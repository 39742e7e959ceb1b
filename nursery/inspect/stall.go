package inspect

import (
	"slices"
	"strings"
	"sync"
	"time"
)

// A Stall reports a task still running a grace period after its nursery
// was canceled: a task that ignores its context.
type Stall struct {
	Scope string        // the nursery's name, if it has one
	Task  string        // the task's name, if it has one
	Kind  string        // as in [Task]
	Site  string        // file:line of the call that started the task
	Since time.Duration // since the nursery was canceled
}

// A stallWatcher is one OnStall call.
type stallWatcher struct {
	grace time.Duration
	hook  func(Stall)
}

// OnStall calls hook for every task still running grace after its nursery
// was canceled, once per task, in the nurseries opened from now on, until
// the returned stop is called; it turns tracking on meanwhile (see
// [Track]). hook is called from a goroutine of its own, with the tasks of
// one nursery in the order of their sites. stop may be called any number
// of times.
//
//	stop := inspect.OnStall(10*time.Second, func(s inspect.Stall) {
//		slog.Warn("task ignores cancellation", "scope", s.Scope, "task", s.Task, "site", s.Site, "since", s.Since)
//	})
//	defer stop()
//
// OnStall panics if grace is not positive or hook is nil.
func OnStall(grace time.Duration, hook func(Stall)) (stop func()) {
	if grace <= 0 {
		panic("inspect: OnStall called with a grace period that is not positive")
	}
	if hook == nil {
		panic("inspect: OnStall called with a nil hook")
	}
	w := &stallWatcher{grace: grace, hook: hook}
	stopTrack := Track()
	tracker.mu.Lock()
	tracker.watchers = append(slices.Clone(tracker.watchers), w)
	tracker.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			tracker.mu.Lock()
			tracker.watchers = slices.DeleteFunc(slices.Clone(tracker.watchers), func(x *stallWatcher) bool { return x == w })
			tracker.mu.Unlock()
			stopTrack()
		})
	}
}

// reportStalls tells w of every task of s still running.
func (s *scopeRec) reportStalls(w *stallWatcher) {
	tracker.mu.Lock()
	live := slices.Contains(tracker.watchers, w)
	tracker.mu.Unlock()
	s.mu.Lock()
	if s.closed || !live {
		s.mu.Unlock()
		return
	}
	since := time.Since(s.canceledAt)
	var stalls []Stall
	for t := s.tasks.head; t != nil; t = t.next {
		if !t.waiting {
			stalls = append(stalls, Stall{Scope: s.name, Task: t.name, Kind: t.kind, Site: siteString(t.site), Since: since})
		}
	}
	s.mu.Unlock()
	slices.SortFunc(stalls, func(a, b Stall) int { return strings.Compare(a.Site+a.Task, b.Site+b.Task) })
	for _, st := range stalls {
		w.hook(st)
	}
}

// sortedBySite sorts tasks by site, then name, as the stall reports are.
func sortedBySite(tasks []*logTask) []*logTask {
	slices.SortFunc(tasks, func(a, b *logTask) int {
		return strings.Compare(siteString(a.site)+a.name, siteString(b.site)+b.name)
	})
	return tasks
}
