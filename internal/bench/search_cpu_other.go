//go:build !unix

package bench

import "time"

// cpuTime is unknown here; rates per CPU second print as 0.
func cpuTime() time.Duration { return 0 }
