package strict

// The package doc in strict.go makes this file strict too.
func other(w *worker) {
	go func() { // want `bare go statement in strict package strict`
		w.loop()
	}()
}
