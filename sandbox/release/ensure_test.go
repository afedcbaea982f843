package release

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"

	"helm.sh/helm/v3/pkg/action"
	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chartutil"
	kubefake "helm.sh/helm/v3/pkg/kube/fake"
	helmrelease "helm.sh/helm/v3/pkg/release"
	"helm.sh/helm/v3/pkg/storage"
	"helm.sh/helm/v3/pkg/storage/driver"

	"github.com/cilium-tls-intercept/sandbox"
)

func testChart(version, data string) *chart.Chart {
	return &chart.Chart{
		Metadata: &chart.Metadata{APIVersion: "v2", Name: "demo", Version: version},
		Templates: []*chart.File{{Name: "templates/cm.yaml", Data: []byte(
			"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: demo\ndata:\n  value: {{ .Values.value | quote }}\n  fixed: " + data + "\n")}},
		Values: map[string]any{"value": "default"},
	}
}

func testConfig(kube bool) *action.Configuration {
	var kc *kubefake.FailingKubeClient
	kc = &kubefake.FailingKubeClient{PrintingKubeClient: kubefake.PrintingKubeClient{Out: io.Discard}}
	if !kube {
		kc.CreateError = errors.New("apiserver said no")
		kc.UpdateError = errors.New("apiserver said no")
	}
	return &action.Configuration{
		Releases:     storage.Init(driver.NewMemory()),
		KubeClient:   kc,
		Capabilities: chartutil.DefaultCapabilities,
		Log:          func(string, ...any) {},
	}
}

// seed stores a release revision with the given status, as an interrupted
// run would have left it.
func seed(t *testing.T, cfg *action.Configuration, version int, status helmrelease.Status, c *chart.Chart) {
	t.Helper()
	rel := &helmrelease.Release{
		Name: "demo", Namespace: "ns", Version: version, Chart: c, Config: map[string]any{},
		Info: &helmrelease.Info{Status: status},
	}
	if err := cfg.Releases.Create(rel); err != nil {
		t.Fatal(err)
	}
}

func TestEnsureRelease(t *testing.T) {
	v1 := testChart("0.1.0", "a")
	cases := []struct {
		name       string
		history    []helmrelease.Status
		chart      *chart.Chart
		values     map[string]any
		want       Outcome
		wantRev    int
		wantStatus helmrelease.Status
	}{
		{name: "fresh install", chart: v1, want: Installed, wantRev: 1},
		{name: "same chart and values", history: []helmrelease.Status{helmrelease.StatusDeployed}, chart: v1, want: Unchanged, wantRev: 1},
		{name: "values changed", history: []helmrelease.Status{helmrelease.StatusDeployed}, chart: v1, values: map[string]any{"value": "x"}, want: Upgraded, wantRev: 2},
		{name: "chart version changed", history: []helmrelease.Status{helmrelease.StatusDeployed}, chart: testChart("0.2.0", "a"), want: Upgraded, wantRev: 2},
		{name: "template changed, same version", history: []helmrelease.Status{helmrelease.StatusDeployed}, chart: testChart("0.1.0", "b"), want: Upgraded, wantRev: 2},
		{name: "pending install", history: []helmrelease.Status{helmrelease.StatusPendingInstall}, chart: v1, want: Reinstalled, wantRev: 1, wantStatus: helmrelease.StatusPendingInstall},
		{name: "pending upgrade", history: []helmrelease.Status{helmrelease.StatusDeployed, helmrelease.StatusPendingUpgrade}, chart: v1, want: Recovered, wantRev: 3, wantStatus: helmrelease.StatusPendingUpgrade},
		{name: "pending rollback", history: []helmrelease.Status{helmrelease.StatusSuperseded, helmrelease.StatusDeployed, helmrelease.StatusPendingRollback}, chart: v1, want: Recovered, wantRev: 4, wantStatus: helmrelease.StatusPendingRollback},
		{name: "failed upgrade", history: []helmrelease.Status{helmrelease.StatusDeployed, helmrelease.StatusFailed}, chart: v1, want: Upgraded, wantRev: 3, wantStatus: helmrelease.StatusFailed},
		{name: "failed install", history: []helmrelease.Status{helmrelease.StatusFailed}, chart: v1, want: Upgraded, wantRev: 2, wantStatus: helmrelease.StatusFailed},
		{name: "uninstalled, history kept", history: []helmrelease.Status{helmrelease.StatusUninstalled}, chart: v1, want: Installed, wantRev: 2, wantStatus: helmrelease.StatusUninstalled},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := testConfig(true)
			for i, st := range c.history {
				seed(t, cfg, i+1, st, v1)
			}
			res, err := EnsureRelease(context.Background(), EnsureInput{Config: cfg, Chart: c.chart, ReleaseName: "demo", Namespace: "ns", Values: c.values})
			if err != nil {
				t.Fatalf("EnsureRelease: %v", err)
			}
			if res.Outcome != c.want || res.Revision != c.wantRev {
				t.Fatalf("EnsureRelease = %s revision %d, want %s revision %d", res.Outcome, res.Revision, c.want, c.wantRev)
			}
			if len(c.history) > 0 && c.wantStatus != "" && res.Found != c.wantStatus {
				t.Errorf("Found = %s, want %s", res.Found, c.wantStatus)
			}
			last, err := cfg.Releases.Last("demo")
			if err != nil {
				t.Fatal(err)
			}
			if last.Info.Status != helmrelease.StatusDeployed {
				t.Errorf("latest revision %d is %s, want deployed", last.Version, last.Info.Status)
			}
			if res.Outcome.Changed() != (c.want != Unchanged) {
				t.Errorf("Changed() = %v for %s", res.Outcome.Changed(), res.Outcome)
			}
		})
	}
}

func TestEnsureReleaseSecondRunIsNoop(t *testing.T) {
	cfg := testConfig(true)
	in := EnsureInput{Config: cfg, Chart: testChart("0.1.0", "a"), ReleaseName: "demo", Namespace: "ns", Values: map[string]any{"value": "x", "n": 6443}}
	for i, want := range []Outcome{Installed, Unchanged, Unchanged} {
		res, err := EnsureRelease(context.Background(), in)
		if err != nil {
			t.Fatalf("run %d: %v", i+1, err)
		}
		if res.Outcome != want {
			t.Fatalf("run %d = %s, want %s", i+1, res.Outcome, want)
		}
	}
}

func TestEnsureReleaseFailures(t *testing.T) {
	t.Run("apiserver rejects install", func(t *testing.T) {
		cfg := testConfig(false)
		_, err := EnsureRelease(context.Background(), EnsureInput{Config: cfg, Chart: testChart("0.1.0", "a"), ReleaseName: "demo", Namespace: "ns"})
		if err == nil || !strings.Contains(err.Error(), "install release demo") || !strings.Contains(err.Error(), "apiserver said no") {
			t.Fatalf("error = %v, want the install failure with the apiserver's message", err)
		}
		// The next run, with a working API server, completes it.
		cfg.KubeClient = &kubefake.PrintingKubeClient{Out: io.Discard}
		res, err := EnsureRelease(context.Background(), EnsureInput{Config: cfg, Chart: testChart("0.1.0", "a"), ReleaseName: "demo", Namespace: "ns"})
		if err != nil || !res.Outcome.Changed() {
			t.Fatalf("recovery run = %v, %v; want the release installed", res, err)
		}
		if last, err := cfg.Releases.Last("demo"); err != nil || last.Info.Status != helmrelease.StatusDeployed {
			t.Fatalf("after recovery: %v, %v; want deployed", last, err)
		}
	})
	t.Run("cancelled context", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := EnsureRelease(ctx, EnsureInput{Config: testConfig(true), Chart: testChart("0.1.0", "a"), ReleaseName: "demo", Namespace: "ns"})
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("error = %v, want context.Canceled", err)
		}
	})
	t.Run("missing input", func(t *testing.T) {
		if _, err := EnsureRelease(context.Background(), EnsureInput{}); err == nil {
			t.Fatal("want an error for an empty input")
		}
	})
}

func TestChartDigest(t *testing.T) {
	a, _ := ChartDigest(testChart("0.1.0", "a"), map[string]any{"x": 1, "y": map[string]any{}})
	b, _ := ChartDigest(testChart("0.1.0", "a"), map[string]any{"y": map[string]any{}, "x": 1.0})
	c, _ := ChartDigest(testChart("0.1.0", "a"), map[string]any{"x": 2})
	if a != b {
		t.Error("digest depends on map order or int/float encoding")
	}
	if a == c {
		t.Error("digest ignores values")
	}
	if _, err := ChartDigest(&chart.Chart{}, nil); err == nil {
		t.Error("want an error for a chart without metadata")
	}
}

// TestChartDigestSurvivesStorage: Helm's Secret driver keeps a release as
// JSON, so a chart and values read back from a cluster must hash like the
// ones given to install, or every second `up` would upgrade.
func TestChartDigestSurvivesStorage(t *testing.T) {
	charts := map[string]*chart.Chart{}
	ic, err := LoadChartFS(sandbox.InterceptChart())
	if err != nil {
		t.Fatal(err)
	}
	charts["cilium-tls-intercept"] = ic
	cilium := Source{Name: "cilium", Version: "1.20.2", Module: &ModuleChart{Path: "github.com/cilium/cilium", Version: "v1.20.2", Dir: "install/kubernetes/cilium"}}
	if c, _, err := LoadOffline(cilium, t.TempDir()); err == nil {
		charts["cilium"] = c
	} else {
		t.Logf("cilium chart not in the module cache, checking the embedded chart only: %v", err)
	}
	values := map[string]any{"k8sServicePort": 6443, "l7Proxy": true, "nested": map[string]any{"list": []any{"a", 1}}}
	for name, c := range charts {
		t.Run(name, func(t *testing.T) {
			rel := &helmrelease.Release{Name: name, Chart: c, Config: values, Info: &helmrelease.Info{Status: helmrelease.StatusDeployed}}
			b, err := json.Marshal(rel)
			if err != nil {
				t.Fatal(err)
			}
			var back helmrelease.Release
			if err := json.Unmarshal(b, &back); err != nil {
				t.Fatal(err)
			}
			same, err := sameRelease(&back, c, values)
			if err != nil || !same {
				t.Fatalf("chart %s read back from a release record hashes differently (err %v)", name, err)
			}
		})
	}
}

func TestEnsureReleaseDroppedValuesAreDropped(t *testing.T) {
	cfg := testConfig(true)
	in := EnsureInput{Config: cfg, Chart: testChart("0.1.0", "a"), ReleaseName: "demo", Namespace: "ns", Values: map[string]any{"value": "x"}}
	if _, err := EnsureRelease(context.Background(), in); err != nil {
		t.Fatal(err)
	}
	in.Values = nil // the user no longer sets anything
	for i, want := range []Outcome{Upgraded, Unchanged} {
		res, err := EnsureRelease(context.Background(), in)
		if err != nil {
			t.Fatalf("run %d: %v", i+1, err)
		}
		if res.Outcome != want {
			t.Fatalf("run %d = %s, want %s (Helm must not carry the old values over)", i+1, res.Outcome, want)
		}
	}
	last, err := cfg.Releases.Last("demo")
	if err != nil {
		t.Fatal(err)
	}
	if len(last.Config) != 0 {
		t.Errorf("deployed values %v, want none", last.Config)
	}
}

// TestEnsureReleaseLabels: labels go on the record at install and stay on
// the upgrades after it, which do not add them to a release installed
// without them.
func TestEnsureReleaseLabels(t *testing.T) {
	owner := map[string]string{"installed-by": "sandbox-install"}
	cfg := testConfig(true)
	in := EnsureInput{Config: cfg, Chart: testChart("0.1.0", "a"), ReleaseName: "demo", Namespace: "ns", Labels: owner}
	for _, values := range []map[string]any{nil, {"value": "changed"}} {
		in.Values = values
		if _, err := EnsureRelease(context.Background(), in); err != nil {
			t.Fatal(err)
		}
		last, err := cfg.Releases.Last("demo")
		if err != nil || last.Labels["installed-by"] != "sandbox-install" {
			t.Fatalf("revision %d labels = %v (%v), want installed-by=sandbox-install", last.Version, last.Labels, err)
		}
	}
	other := testConfig(true)
	seed(t, other, 1, helmrelease.StatusDeployed, testChart("0.1.0", "a"))
	in.Config, in.Values = other, map[string]any{"value": "changed"}
	if _, err := EnsureRelease(context.Background(), in); err != nil {
		t.Fatal(err)
	}
	if last, _ := other.Releases.Last("demo"); last.Labels["installed-by"] != "" {
		t.Fatalf("an upgrade of a release installed by someone else labelled it %v", last.Labels)
	}
}
