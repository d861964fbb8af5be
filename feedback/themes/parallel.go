package themes

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// parallel runs fn over [0,n) split in contiguous ranges, spread over the CPUs.
// Callers only use it for work whose items are independent, so the result does not
// depend on the number of CPUs. The ranges are several per CPU, taken in turn, so that
// a CPU lost to other work on the machine does not hold the rest up.
func parallel(n int, fn func(lo, hi int)) {
	w := min(runtime.GOMAXPROCS(0), n)
	if w <= 1 || n < 256 {
		fn(0, n)
		return
	}
	step := max(64, (n+8*w-1)/(8*w))
	chunks := (n + step - 1) / step
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(w, chunks) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c := int(next.Add(1) - 1); c < chunks; c = int(next.Add(1) - 1) {
				fn(c*step, min(n, (c+1)*step))
			}
		}()
	}
	wg.Wait()
}

// forEach runs an fn(i) for every i in [0,n), spread over the CPUs however small n
// is; for independent items of some size (blocks of a matrix), whose results the
// caller combines in a fixed order. Each goroutine gets its fn from worker, once, so
// that it can reuse its scratch memory from item to item.
func forEach(n int, worker func() func(i int)) {
	w := min(runtime.GOMAXPROCS(0), n)
	if w <= 1 {
		fn := worker()
		for i := range n {
			fn(i)
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range w {
		wg.Add(1)
		go func() {
			defer wg.Done()
			fn := worker()
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				fn(i)
			}
		}()
	}
	wg.Wait()
}
