package release

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"

	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/repo"
	"sigs.k8s.io/yaml"
)

// chartRepo serves a chart repository with one chart, counting archive downloads.
func chartRepo(t *testing.T) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	dir := t.TempDir()
	archive, err := chartutil.Save(testChart("1.2.3", "a"), dir)
	if err != nil {
		t.Fatal(err)
	}
	var downloads atomic.Int32
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/index.yaml":
			idx := repo.NewIndexFile()
			if err := idx.MustAdd(testChart("1.2.3", "a").Metadata, filepath.Base(archive), srv.URL, "sha256:0"); err != nil {
				t.Error(err)
			}
			b, _ := yaml.Marshal(idx)
			w.Write(b)
		case "/" + filepath.Base(archive):
			downloads.Add(1)
			http.ServeFile(w, r, archive)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv, &downloads
}

func TestFetchDownloadsOnce(t *testing.T) {
	t.Setenv("HELM_CACHE_HOME", t.TempDir())
	srv, downloads := chartRepo(t)
	cache := filepath.Join(t.TempDir(), "charts")
	src := Source{Name: "demo", Repo: srv.URL, Version: "1.2.3"}
	for i, wantDownloaded := range []bool{true, false} {
		c, downloaded, err := Fetch(context.Background(), src, cache)
		if err != nil {
			t.Fatalf("fetch %d: %v", i+1, err)
		}
		if downloaded != wantDownloaded || c.Metadata.Version != "1.2.3" {
			t.Fatalf("fetch %d: downloaded=%v version=%s, want downloaded=%v 1.2.3", i+1, downloaded, c.Metadata.Version, wantDownloaded)
		}
	}
	if n := downloads.Load(); n != 1 {
		t.Fatalf("archive downloaded %d times, want 1", n)
	}
	if _, err := os.Stat(src.CacheFile(cache)); err != nil {
		t.Fatalf("cache file: %v", err)
	}
	_, _, err := Fetch(context.Background(), Source{Name: "demo", Repo: srv.URL, Version: "9.9.9"}, cache)
	if err == nil {
		t.Fatal("want an error for a version the repository does not have")
	}
}

func TestLoadOffline(t *testing.T) {
	cache := t.TempDir()
	cached := Source{Name: "demo", Repo: "https://example.invalid", Version: "0.1.0"}
	archive, err := chartutil.Save(testChart("0.1.0", "a"), cache)
	if err != nil {
		t.Fatal(err)
	}
	if archive != cached.CacheFile(cache) {
		t.Fatalf("helm saved %s, cache file is %s", archive, cached.CacheFile(cache))
	}
	c, origin, err := LoadOffline(cached, cache)
	if err != nil || origin != archive || c.Name() != "demo" {
		t.Fatalf("LoadOffline(cached) = %v, %q, %v", c, origin, err)
	}

	_, _, err = LoadOffline(Source{Name: "absent", Version: "1.0.0"}, cache)
	if !errors.Is(err, ErrChartUnavailable) {
		t.Fatalf("LoadOffline(absent) error = %v, want ErrChartUnavailable", err)
	}

	t.Setenv("GOMODCACHE", t.TempDir())
	mod := Source{Name: "trust-manager", Version: "v0.25.0", Module: &ModuleChart{Path: "example.com/m", Version: "v0.25.0", Dir: "chart", StampVersion: true,
		ReleaseValues: map[string]any{"value": "stamped"}}}
	_, _, err = LoadOffline(mod, cache)
	if !errors.Is(err, ErrChartUnavailable) {
		t.Fatalf("LoadOffline(module missing) error = %v, want ErrChartUnavailable", err)
	}
	dir := filepath.Join(os.Getenv("GOMODCACHE"), "example.com", "m@v0.25.0", "chart")
	if err := chartutil.SaveDir(testChart("v0.0.0", "a"), filepath.Dir(dir)); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(filepath.Join(filepath.Dir(dir), "demo"), dir); err != nil {
		t.Fatal(err)
	}
	c, origin, err = LoadOffline(mod, cache)
	if err != nil || origin != dir {
		t.Fatalf("LoadOffline(module) = %q, %v", origin, err)
	}
	if c.Metadata.Version != "v0.25.0" || c.Metadata.AppVersion != "v0.25.0" {
		t.Fatalf("version not stamped: %s / %s", c.Metadata.Version, c.Metadata.AppVersion)
	}
	if c.Values["value"] != "stamped" {
		t.Fatalf("release values not merged over the defaults: %v", c.Values)
	}
}
