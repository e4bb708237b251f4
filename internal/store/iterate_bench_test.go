package store

import (
	"fmt"
	"testing"
)

// BenchmarkIterateInBlock measures one short prefix walk on the working
// state after a block has already made `writes` writes elsewhere in the
// tree. Inside a block the walk must cost what the prefix holds, not what
// the block wrote: iavl's own iterator over unsaved writes ranges over and
// sorts every one of them on each call, so before the store buffered a
// block's writes itself this grew linearly with `writes` (the KPI bench saw
// a tenfold slowdown).
func BenchmarkIterateInBlock(b *testing.B) {
	for _, writes := range []int{0, 1_000, 10_000, 50_000} {
		b.Run(fmt.Sprintf("writes=%d", writes), func(b *testing.B) {
			s, err := Open(b.TempDir())
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			for i := 0; i < 20_000; i++ {
				s.Set([]byte(fmt.Sprintf("base/%06d", i)), []byte("v"))
			}
			for i := 0; i < 10; i++ {
				s.Set([]byte(fmt.Sprintf("walk/%02d", i)), []byte("v"))
			}
			if _, _, err := s.Commit(); err != nil {
				b.Fatal(err)
			}
			for i := 0; i < writes; i++ {
				s.Set([]byte(fmt.Sprintf("blk/%07d", i)), []byte("v"))
			}
			b.ResetTimer()
			for n := 0; n < b.N; n++ {
				seen := 0
				s.Iterate([]byte("walk/"), func(k, v []byte) bool { seen++; return true })
				if seen != 10 {
					b.Fatalf("walked %d keys, want 10", seen)
				}
			}
		})
	}
}
