package themes

import (
	"runtime"
	"sync"
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
