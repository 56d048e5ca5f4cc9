package bench

import "testing"

func measureSync(b *testing.B, t *table, dir, work string, n int) {}
