package nursery

// SetHandoffMax sets the largest limit for which Run hands tasks to its
// workers in handoff mode rather than through the ring (see limiter), and
// returns a function that restores the previous value: tests run the same
// cases in both modes with it. It applies to nurseries that Run starts
// afterwards.
func SetHandoffMax(n int64) (restore func()) {
	old := handoffMax.Swap(n)
	return func() { handoffMax.Store(old) }
}

// HandoffMax returns the value SetHandoffMax sets.
func HandoffMax() int64 { return handoffMax.Load() }
