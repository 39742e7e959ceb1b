package waitgroup

import "sync"

func process(items []int) {
	var wg sync.WaitGroup // want `wg fans out goroutines in a loop \(line 8\) and waits for them: taskgroup.ForEach, or nursery.Run with n.Go, does the same and returns the errors and panics to the caller`
	for _, it := range items {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = it
		}()
	}
	wg.Wait()
}

func withGo(items []int) {
	var wg sync.WaitGroup // want `wg fans out goroutines in a loop \(line 20\)`
	for range items {
		wg.Go(func() {})
	}
	wg.Wait()
}

// Silent: not a loop, or not waited here.
func single() {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done() }()
	wg.Wait()
}

func notWaited(items []int) *sync.WaitGroup {
	var wg sync.WaitGroup
	for range items {
		wg.Add(1)
	}
	return &wg
}

func allowed(items []int) {
	var wg sync.WaitGroup //scoped:allow waitgroup: each goroutine owns a connection
	for range items {
		wg.Go(func() {})
	}
	wg.Wait()
}
