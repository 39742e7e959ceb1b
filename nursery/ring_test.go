package nursery

import (
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
)

// jobOf returns a job that ring tests tell apart by i: its x pointer.
func jobOf(xs []extra, i int) job { return job{x: &xs[i]} }

// The ring is a FIFO at every size, across many rounds of its slots, and
// reports empty when it holds no job.
func TestRingOrder(t *testing.T) {
	for _, size := range []int{1, 2, 3, 5, 16, 17} {
		var r ring
		r.init(size)
		if c := len(r.slots); c < size || c&(c-1) != 0 {
			t.Fatalf("init(%d): %d slots, want a power of two at least %d", size, c, size)
		}
		xs := make([]extra, 10*size+3)
		next := 0 // the next index to put
		want := 0 // the next index to take
		for round := range 10 * size {
			// Fill up to size jobs, then take some: the held count and
			// the ring's positions move through every slot.
			for next-want < size && next < len(xs) {
				r.put(jobOf(xs, next))
				next++
			}
			for k := 0; k <= round%size && want < next; k++ {
				j, ok := r.take()
				if !ok {
					t.Fatalf("size %d: take() found nothing with %d jobs held", size, next-want)
				}
				if j.x != &xs[want] {
					t.Fatalf("size %d: take() returned a job out of order, want job %d", size, want)
				}
				want++
			}
		}
		for want < next {
			if j, ok := r.take(); !ok || j.x != &xs[want] {
				t.Fatalf("size %d: draining: want job %d", size, want)
			}
			want++
		}
		if _, ok := r.take(); ok {
			t.Fatalf("size %d: take() on an empty ring found a job", size)
		}
		for i := range r.slots {
			if s := r.slots[i].j; s.fn != nil || s.x != nil {
				t.Fatalf("size %d: slot %d still holds a taken job", size, i)
			}
		}
	}
}

// Several goroutines put and take at once, with at most size jobs held,
// as the limiter's pending count guarantees: every job is taken exactly
// once. Under -race it also checks that what was written before a put is
// visible after the take.
func TestRingConcurrent(t *testing.T) {
	const (
		size      = 4
		producers = 4
		consumers = 4
		perProd   = 5000
		total     = producers * perProd
	)
	var r ring
	r.init(size)
	room := make(chan struct{}, size) // a token per job held, as pending
	xs := make([]extra, total)
	data := make([]int, total) // written before the put, read after the take
	index := make(map[*extra]int, total)
	for i := range xs {
		index[&xs[i]] = i
	}
	counts := make([][]int, consumers)
	var taken atomic.Int64
	var wg sync.WaitGroup
	for c := range consumers {
		counts[c] = make([]int, total)
		wg.Go(func() {
			for taken.Load() < total {
				j, ok := r.take()
				if !ok {
					runtime.Gosched()
					continue
				}
				i := index[j.x]
				if data[i] != i+1 {
					t.Errorf("job %d: data written before its put not seen after its take", i)
				}
				counts[c][i]++
				taken.Add(1)
				<-room
			}
		})
	}
	for p := range producers {
		wg.Go(func() {
			for i := p * perProd; i < (p+1)*perProd; i++ {
				room <- struct{}{}
				data[i] = i + 1
				r.put(jobOf(xs, i))
			}
		})
	}
	wg.Wait()
	for i := range total {
		n := 0
		for c := range consumers {
			n += counts[c][i]
		}
		if n != 1 {
			t.Fatalf("job %d was taken %d times, want once", i, n)
		}
	}
	if _, ok := r.take(); ok {
		t.Fatal("take() found a job after every job was taken")
	}
}
