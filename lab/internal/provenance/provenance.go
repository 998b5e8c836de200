// Package provenance lets a homework check tell whether a student's function
// only forwards to the lab's own implementation of the same step.
//
// The lab's public entry points that compute a homework step's answer (the
// PCA fit, a GMM's responsibilities, …) call Mark with their name. A check
// runs the student's function inside Watch and learns which of them it called:
// an E-step that calls (*gmm.GMM).PredictProba passes every comparison, but it
// is the lab's E-step, not the student's, and the check says ✗ with that
// reason. Students can always read the lab's source; this only stops a
// one-line forward from earning the points.
package provenance

import (
	"slices"
	"sync"
)

var (
	mu     sync.Mutex
	counts = map[string]int{}
)

// Mark records a call of the entry point api (e.g. "gmm.(*GMM).PredictProba").
func Mark(api string) {
	mu.Lock()
	counts[api]++
	mu.Unlock()
}

// Watch runs f and returns, sorted, the entry points marked while it ran. It
// counts marks from every goroutine: checks run one at a time.
func Watch(f func()) []string {
	before := snapshot()
	f()
	after := snapshot()
	var called []string
	for api, n := range after {
		if n > before[api] {
			called = append(called, api)
		}
	}
	slices.Sort(called)
	return called
}

func snapshot() map[string]int {
	mu.Lock()
	defer mu.Unlock()
	s := make(map[string]int, len(counts))
	for k, v := range counts {
		s[k] = v
	}
	return s
}
