package main

import (
	"strings"
	"sync"
)

// syncWriter is a strings.Builder that a test can read while a server, or
// a child process's output, writes it.
type syncWriter struct {
	mu      sync.Mutex
	b       strings.Builder
	waiting map[string]chan struct{} // closed and removed once b contains the key
}

func (w *syncWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	n, err := w.b.Write(p)
	for s, ch := range w.waiting {
		if strings.Contains(w.b.String(), s) {
			close(ch)
			delete(w.waiting, s)
		}
	}
	return n, err
}

func (w *syncWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}

// written returns a channel that is closed once what was written contains s.
func (w *syncWriter) written(s string) <-chan struct{} {
	w.mu.Lock()
	defer w.mu.Unlock()
	if ch, ok := w.waiting[s]; ok {
		return ch
	}
	ch := make(chan struct{})
	if strings.Contains(w.b.String(), s) {
		close(ch)
		return ch
	}
	if w.waiting == nil {
		w.waiting = make(map[string]chan struct{})
	}
	w.waiting[s] = ch
	return ch
}
