package scenario

// jsonKeyBytes marks the bytes of raw (a JSON document) that belong to an
// object's key, quotes included. A tamper test that changes bytes of a
// signed document must skip them: a renamed key is an unknown field the
// decoder ignores, and the field it named then holds its zero value, so
// "round": 0 renamed still reads round 0 and verifies. That is not a
// change of anything signed, and the sampled byte that hit one made
// supreme-council.txt fail now and then (the certificate's bytes, and so
// which bytes the sample hits, differ from run to run).
func jsonKeyBytes(raw []byte) []bool {
	key := make([]bool, len(raw))
	for i := 0; i < len(raw); i++ {
		if raw[i] != '"' {
			continue
		}
		start := i
		for i++; i < len(raw) && raw[i] != '"'; i++ {
			if raw[i] == '\\' {
				i++
			}
		}
		end := i // the closing quote (or len(raw) if unterminated)
		j := end + 1
		for j < len(raw) && (raw[j] == ' ' || raw[j] == '\n' || raw[j] == '\t' || raw[j] == '\r') {
			j++
		}
		if j < len(raw) && raw[j] == ':' {
			for k := start; k <= end && k < len(raw); k++ {
				key[k] = true
			}
		}
	}
	return key
}
