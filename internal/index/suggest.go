package index

// Suggest returns a corrected query when q finds nothing ("did you mean"),
// or "" (not implemented yet).
func (x *Index) Suggest(q string) string { return "" }
