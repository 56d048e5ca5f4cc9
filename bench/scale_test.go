// Package bench holds Guise's scale benchmarks (make bench): a cache of a
// million users searched as you type, ingest, and a full and an incremental
// sync of a million-user Demo tenant by the real binary. It prints one table.
// `go test` only compiles it; the targets live here, not in unit tests.
package bench

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"text/tabwriter"
	"time"

	"github.com/guiseapp/guise/backend/sqlite"
)

// benchUsers is the size of the world: 1,000,000 unless GUISE_BENCH_USERS says.
func benchUsers(b *testing.B) int {
	if v := os.Getenv("GUISE_BENCH_USERS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1000 {
			b.Fatalf("GUISE_BENCH_USERS=%q: want a number of at least 1000", v)
		}
		return n
	}
	return 1_000_000
}

// BenchmarkScale measures everything once (the work does not repeat with
// b.N) and prints the table. Run it with make bench.
func BenchmarkScale(b *testing.B) {
	n := benchUsers(b)
	t := &table{}
	began := time.Now()
	// Cached between runs under the temp dir, keyed by what shapes the file.
	dir := filepath.Join(os.TempDir(), "guise-bench", fmt.Sprintf("cache-%s-schema%d-%d", worldVersion, sqlite.SchemaVersion(), n))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	work := b.TempDir()
	load := loadavg()

	cached := cache(b, t, dir, n)
	measureIngest(b, t, cached, work, n)
	measureSearch(b, t, cached, n)
	if os.Getenv("GUISE_BENCH_SKIP_SYNC") == "" {
		measureSync(b, t, dir, work, n)
	}

	b.StopTimer()
	fmt.Printf("\nGuise scale benchmark: %s users, %s, load average before %s, after %s, took %s\n\n",
		count(n), cpuInfo(), load, loadavg(), round(time.Since(began)))
	t.print(os.Stdout)
	for i := 1; i < b.N; i++ { // the measurements above are the result; b.N must not repeat them
	}
}

// table is the benchmark's one output.
type table struct{ rows [][4]string }

func (t *table) add(measure, value, target, ok string) {
	t.rows = append(t.rows, [4]string{measure, value, target, ok})
}

func (t *table) print(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "MEASURE\tVALUE\tTARGET\tOK")
	for _, r := range t.rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r[0], r[1], r[2], r[3])
	}
	tw.Flush()
}

func verdict(ok bool) string {
	if ok {
		return "yes"
	}
	return "NO"
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d.Microseconds())/1000) }

func round(d time.Duration) string { return d.Round(10 * time.Millisecond).String() }

func count(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	return strings.Join(f[:min(3, len(f))], " ")
}

func cpuInfo() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	cpus := 0
	model := ""
	if err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(l, "processor") {
				cpus++
			}
			if v, ok := strings.CutPrefix(l, "model name"); ok && model == "" {
				model = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(v), ":"))
			}
		}
	}
	return fmt.Sprintf("%d CPUs (%s)", cpus, model)
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
