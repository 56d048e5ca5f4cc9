package bench

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/guiseapp/guise/backend/sqlite"
)

// BenchmarkIngest is the ingest rows of make bench alone, for profiling
// (go test -run '^$' -bench Ingest -benchtime 1x -cpuprofile cpu.out ./bench/):
// a cache built from empty, then a tenth more users on top. It reports
// users/s of each; GUISE_BENCH_USERS sizes it (1,000,000 by default).
func BenchmarkIngest(b *testing.B) {
	n := benchUsers(b)
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "guise.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	if err := createEnv(ctx, db); err != nil {
		b.Fatal(err)
	}
	took, err := ingest(ctx, db, 0, n, 1, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(n)/took.Seconds(), "empty-users/s")
	extra := max(n/10, 1000)
	if took, err = ingest(ctx, db, n, n+extra, 2, nil); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(extra)/took.Seconds(), "added-users/s")
	for i := 1; i < b.N; i++ { // one build is the measurement; b.N must not repeat it
	}
}
