// Package strict starts every goroutine in a scope.
//
//scoped:strict
package strict

type worker struct{ jobs chan int }

// go inside a method of a strict package.
func (w *worker) start() {
	go w.loop() // want `bare go statement in strict package strict: its goroutine has no owner; start it with a nursery's Go or a taskgroup, or end the line with //scoped:allow go: <reason>`
}

func (w *worker) loop() {
	for range w.jobs {
	}
}

func allowed(w *worker) {
	go w.loop() //scoped:allow go: lives as long as the process, stopped by closing jobs

	//scoped:allow go: the line above may carry the comment too
	go w.loop()

	//scoped:allow go:
	go w.loop() // want `//scoped:allow go: needs a reason after the colon`
}
