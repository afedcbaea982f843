package release

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/mitchellh/copystructure"

	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/cli"
	"helm.sh/helm/v3/pkg/downloader"
	"helm.sh/helm/v3/pkg/getter"
	"helm.sh/helm/v3/pkg/registry"
	"helm.sh/helm/v3/pkg/repo"
)

// DefaultChartCache is where downloaded charts are kept, relative to the
// working directory, so each chart version is downloaded once.
const DefaultChartCache = ".sandbox/charts"

// DownloadTimeout bounds one chart download.
const DownloadTimeout = 2 * time.Minute

// ErrChartUnavailable means a chart is neither in the chart cache nor in the
// Go module cache, and the caller did not allow a download.
var ErrChartUnavailable = errors.New("chart not available offline")

// Source says where a chart comes from.
type Source struct {
	// Name is the chart's name in the repository, for example "cilium".
	Name string `json:"chart"`
	// Repo is an HTTP(S) chart repository or an OCI registry path
	// ("oci://quay.io/jetstack/charts").
	Repo string `json:"repo"`
	// Version is the chart version.
	Version string `json:"version"`
	// Module, when set, is the same chart inside a Go module source tree in
	// the module cache, used to render offline.
	Module *ModuleChart `json:"-"`
}

// ModuleChart is a chart directory inside a Go module's source.
type ModuleChart struct {
	// Path and Version name the module, for example github.com/cilium/cilium v1.20.2.
	Path, Version string
	// Dir is the chart directory inside the module.
	Dir string
	// StampVersion sets the chart's version and appVersion to Source.Version
	// after loading: some projects keep v0.0.0 in source and stamp it at release.
	StampVersion bool
	// ReleaseValues are default values the project's release tooling writes
	// into the published chart (for example an image tag); they are merged
	// over the source chart's defaults.
	ReleaseValues map[string]any
}

// String returns "cilium 1.20.2 from https://helm.cilium.io".
func (s Source) String() string { return fmt.Sprintf("%s %s from %s", s.Name, s.Version, s.Repo) }

// CacheFile is where the chart archive is kept in cacheDir.
func (s Source) CacheFile(cacheDir string) string {
	return filepath.Join(cacheDir, fmt.Sprintf("%s-%s.tgz", s.Name, s.Version))
}

// Fetch returns the chart from cacheDir, downloading it there first when
// missing. downloaded tells whether it did. Helm's getters take no context;
// when ctx is cancelled Fetch returns at once and the download is abandoned.
func Fetch(ctx context.Context, s Source, cacheDir string) (c *chart.Chart, downloaded bool, err error) {
	file := s.CacheFile(cacheDir)
	if _, err := os.Stat(file); err == nil {
		c, err := loader.Load(file)
		if err == nil {
			return c, false, nil
		}
		// A truncated archive from an interrupted run: download it again.
		os.Remove(file)
	}
	if err := os.MkdirAll(cacheDir, 0o755); err != nil {
		return nil, false, fmt.Errorf("chart cache: %w", err)
	}
	done := make(chan error, 1)
	go func() { done <- download(s, file) }()
	select {
	case err := <-done:
		if err != nil {
			return nil, false, fmt.Errorf("download chart %s: %w", s, err)
		}
	case <-ctx.Done():
		return nil, false, fmt.Errorf("download chart %s: %w", s, ctx.Err())
	}
	c, err = loader.Load(file)
	if err != nil {
		return nil, false, fmt.Errorf("load chart %s: %w", file, err)
	}
	return c, true, nil
}

// download fetches the chart archive into file (via a temporary directory,
// so an interrupted download never leaves a partial file under its name).
func download(s Source, file string) error {
	settings := cli.New()
	getters := getter.All(settings)
	ref := s.Repo
	dl := downloader.ChartDownloader{
		Out:     discard{},
		Getters: getters,
		Options: []getter.Option{getter.WithTimeout(DownloadTimeout)},
	}
	if registry.IsOCI(s.Repo) {
		rc, err := registry.NewClient()
		if err != nil {
			return err
		}
		dl.RegistryClient = rc
		dl.Options = append(dl.Options, getter.WithRegistryClient(rc))
		ref = strings.TrimSuffix(s.Repo, "/") + "/" + s.Name
	} else {
		u, err := repo.FindChartInRepoURL(s.Repo, s.Name, s.Version, "", "", "", getters)
		if err != nil {
			return err
		}
		ref = u
	}
	tmp, err := os.MkdirTemp(filepath.Dir(file), ".download-*")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	saved, _, err := dl.DownloadTo(ref, s.Version, tmp)
	if err != nil {
		return err
	}
	return os.Rename(saved, file)
}

// discard is an io.Writer that drops Helm's download warnings.
type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// LoadOffline returns the chart without using the network: from cacheDir
// when downloaded before, otherwise from the Go module cache. origin says
// which file or directory it came from. ErrChartUnavailable when neither has it.
func LoadOffline(s Source, cacheDir string) (c *chart.Chart, origin string, err error) {
	file := s.CacheFile(cacheDir)
	if c, err := loader.Load(file); err == nil {
		return c, file, nil
	}
	if s.Module == nil {
		return nil, "", fmt.Errorf("%w: %s (not in %s)", ErrChartUnavailable, s, cacheDir)
	}
	dir := filepath.Join(ModuleCache(), s.Module.Path+"@"+s.Module.Version, s.Module.Dir)
	if _, err := os.Stat(dir); err != nil {
		return nil, "", fmt.Errorf("%w: %s (not in %s nor the Go module cache at %s)", ErrChartUnavailable, s, cacheDir, dir)
	}
	c, err = loader.LoadDir(dir)
	if err != nil {
		return nil, "", fmt.Errorf("load chart %s: %w", dir, err)
	}
	if s.Module.StampVersion {
		c.Metadata.Version = s.Version
		c.Metadata.AppVersion = s.Version
	}
	if len(s.Module.ReleaseValues) > 0 {
		over, err := copystructure.Copy(s.Module.ReleaseValues)
		if err != nil {
			return nil, "", fmt.Errorf("chart %s release values: %w", s.Name, err)
		}
		c.Values = chartutil.CoalesceTables(over.(map[string]any), c.Values)
	}
	return c, dir, nil
}

// ModuleCache returns the Go module cache directory: $GOMODCACHE, else
// the first $GOPATH entry's pkg/mod, else ~/go/pkg/mod.
func ModuleCache() string {
	if d := os.Getenv("GOMODCACHE"); d != "" {
		return d
	}
	if p := os.Getenv("GOPATH"); p != "" {
		return filepath.Join(filepath.SplitList(p)[0], "pkg", "mod")
	}
	home, _ := os.UserHomeDir()
	return filepath.Join(home, "go", "pkg", "mod")
}
