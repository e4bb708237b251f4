package wire

// Health answers GET /v1/health: "healthy", "catching_up", "halted" or
// "diverged", with the reason for any but healthy. The HTTP status is 200
// only when healthy, so a load balancer can use the route as it is. Once a
// node reports "diverged" it answers every read with 503: its state is not
// the chain's.
type Health struct {
	Health             string  `json:"health"`
	Reason             string  `json:"reason,omitempty"`
	Height             int64   `json:"height"`
	SecondsSinceCommit float64 `json:"seconds_since_commit"`
}
