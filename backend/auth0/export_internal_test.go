package auth0

import (
	"compress/gzip"
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/guiseapp/guise/backend/guise"
)

// A download that stops sending must not hold the sync (and so the window's
// close) forever: the sync's context cuts it, and the page fails as a broken
// download the next sync resumes.
func TestAStalledExportDownloadGivesWay(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gz := gzip.NewWriter(w)
		_, _ = gz.Write([]byte(`{"user_id":"auth0|1","email":"a@b.test"}` + "\n"))
		_ = gz.Flush()
		w.(http.Flusher).Flush()
		<-release // and then nothing more
	}))
	defer srv.Close()
	defer close(release)
	env := guise.Environment{Name: "x", Provider: guise.ProviderAuth0, BaseURL: srv.URL,
		Settings: map[string]string{SettingDomain: "x.eu.auth0.com", SettingClientID: "c", SettingTargetClientID: "t"}}
	p, err := New(env, "s")
	if err != nil {
		t.Fatal(err)
	}
	if p.exp, err = p.openExport(context.Background(), "job_1", srv.URL+"/export.json.gz", 0); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	done := make(chan error, 1)
	go func() { _, err := p.exportPage(ctx, "job_1", 0); done <- err }()
	select {
	case err := <-done:
		if guise.ErrorCode(err) != guise.EUNAVAILABLE {
			t.Fatalf("a cut download: %v, want %s", err, guise.EUNAVAILABLE)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a stalled export download blocked the sync past its context")
	}
}
