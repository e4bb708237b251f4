package bench

import "time"

// Tenths measures CPU time per unit of work (a member, a key) over the
// first and the last tenth of n units, the two figures the growth benches
// compare. Call Done after each step with the units done so far; the CPU
// clock is read then, so a step is the finest grain.
type Tenths struct {
	n      int
	cpu    func() time.Duration
	cpu0   time.Duration
	cpu90  time.Duration
	done90 int
	first  time.Duration
	end    time.Duration // the clock at End, 0 before
}

// NewTenths starts measuring n units of work on the CPU clock cpu.
func NewTenths(n int, cpu func() time.Duration) *Tenths {
	return &Tenths{n: n, cpu: cpu, cpu0: cpu()}
}

// Done records that done units are finished. It reports whether this step
// ended the first tenth, and whether it began the last (the step after
// which at most a tenth remains), so a caller can start and stop a
// profile there.
func (t *Tenths) Done(done int) (endedFirst, beganLast bool) {
	now := t.cpu()
	if t.first == 0 && done >= t.n/10 {
		t.first = (now - t.cpu0) / time.Duration(max(done, 1))
		endedFirst = true
	}
	if t.cpu90 == 0 && done >= t.n-t.n/10 && done < t.n {
		t.cpu90, t.done90 = now, done
		beganLast = true
	}
	return endedFirst, beganLast
}

// First is the CPU time per unit over the first tenth (and whatever the
// step that ended it held).
func (t *Tenths) First() time.Duration { return t.first }

// End stops the clock: Last is then the CPU time up to this call, however
// much later it is asked.
func (t *Tenths) End() { t.end = t.cpu() }

// Last is the CPU time per unit from the step that began the last tenth
// to End (or now, before End); if no step began it (the last tenth was
// one step), over the whole.
func (t *Tenths) Last() time.Duration {
	from, done := t.cpu90, t.done90
	if from == 0 {
		from, done = t.cpu0, 0
	}
	to := t.end
	if to == 0 {
		to = t.cpu()
	}
	return (to - from) / time.Duration(max(t.n-done, 1))
}

// SoFar is the CPU time per unit over the done units.
func (t *Tenths) SoFar(done int) time.Duration {
	return (t.cpu() - t.cpu0) / time.Duration(max(done, 1))
}
