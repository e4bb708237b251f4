package record

// SetChunk makes the verifier read its lists n items at a time (a multiple
// of ballot.BatchSize), so tests cross chunk boundaries with small records;
// the returned func restores the default.
func SetChunk(n int) func() {
	old := chunk
	chunk = n
	return func() { chunk = old }
}
