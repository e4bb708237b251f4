package module

import (
	"encoding/json"
	"fmt"

	store "github.com/pnyx-party/pnyx/internal/store/kv"
)

// Key is a store key, as a string or as bytes.
type Key interface{ ~string | ~[]byte }

// Get loads the JSON record of type T at key and reports whether it exists;
// a missing record yields T's zero value.
//
//	m, ok := module.Get[Member](kv, memberKey(id))
func Get[T any, K Key](kv store.Reader, key K) (T, bool) {
	var v T
	raw := kv.Get([]byte(key))
	if raw == nil {
		return v, false
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		// Only this code writes these records, so a failure is corruption.
		panic(fmt.Sprintf("module: corrupt record at %q: %v", string(key), err))
	}
	return v, true
}

// Put stores v as JSON at key. json.Marshal of a struct is deterministic
// (fields in declaration order), so every validator writes the same bytes.
func Put[K Key](kv store.KV, key K, v any) {
	raw, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("module: encode %q: %v", string(key), err))
	}
	kv.Set([]byte(key), raw)
}
