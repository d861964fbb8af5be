package themes

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// parallel runs fn over [0,n) split in contiguous ranges, one per CPU. Callers only
// use it for work whose items are independent, so the result does not depend on the
// number of CPUs.
func parallel(n int, fn func(lo, hi int)) {
	w := min(runtime.GOMAXPROCS(0), n)
	if w <= 1 || n < 256 {
		fn(0, n)
		return
	}
	var wg sync.WaitGroup
	step := (n + w - 1) / w
	for lo := 0; lo < n; lo += step {
		hi := min(lo+step, n)
		wg.Add(1)
		go func() {
			defer wg.Done()
			fn(lo, hi)
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
