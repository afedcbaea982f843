package matrix

import (
	"cmp"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"

	"github.com/cilium-tls-intercept/sandbox"
	"github.com/cilium-tls-intercept/sandbox/sandbox/versions"
	"sigs.k8s.io/yaml"
)

// Upstream modes of the scenarios: local fake upstream servers, or the
// real internet endpoints.
const (
	UpstreamLocal    = "local"
	UpstreamInternet = "internet"
)

// DefaultResultsDir is where results.json and matrix.md are written;
// DefaultAgentResultsDir with the agent provider, so that its cells never
// merge into a live matrix's.
const (
	DefaultResultsDir      = ".sandbox/matrix"
	DefaultAgentResultsDir = ".sandbox/matrix-agent"
)

// ClusterPrefix starts every matrix cluster's name ("cti-1-18-10").
const ClusterPrefix = "cti-"

// PlanOptions are the matrix's inputs as the user gives them.
type PlanOptions struct {
	// Cilium lists releases ("1.18.10", "1.18"); versions.DefaultReleases when empty.
	Cilium []string
	// NodeImages override the paired node image: "REF" for every release,
	// or "1.18=REF" / "1.18.10=REF" for one minor or release.
	NodeImages []string
	// Upstream is UpstreamLocal (default) or UpstreamInternet.
	Upstream string
	// Labels is the scenarios' feature filter, "scenario=rotation".
	Labels string
	// ResultsDir holds results.json, matrix.md and per-release artifacts.
	ResultsDir string
	// KeepFailed leaves a failed combination's cluster running.
	KeepFailed bool
	// Values returns the Cilium Helm values of a release; nil uses
	// CiliumValues.
	Values ValuesFunc
	// Agent runs the scenarios on the agent provider (ProviderAgent)
	// instead of a kind cluster per release.
	Agent bool
}

// Combination is one row to run: a release and where it runs.
type Combination struct {
	Cilium         string             `json:"cilium"`
	NodeImage      versions.NodeImage `json:"nodeImage"`
	NodeImageFrom  string             `json:"nodeImageFrom"`
	ClusterName    string             `json:"clusterName"`
	KubeconfigPath string             `json:"kubeconfigPath"`
	ArtifactsDir   string             `json:"artifactsDir"`
	Charts         Charts             `json:"charts"`
	// ScenarioFlags are the flags the scenario suite is run with.
	ScenarioFlags []string `json:"scenarioFlags"`
	// Expected lists the known differences that apply, by scenario.
	Expected map[string]Expected `json:"expected,omitempty"`

	version versions.Cilium
}

// Charts are the chart versions a combination installs.
type Charts struct {
	Cilium         string `json:"cilium"`
	CertManager    string `json:"certManager"`
	TrustManager   string `json:"trustManager"`
	InterceptChart string `json:"interceptChart"`
}

// Plan is everything the matrix will do, as data.
type Plan struct {
	// Provider is the scenarios' provider: ProviderKind, or ProviderAgent.
	Provider     string        `json:"provider"`
	Combinations []Combination `json:"combinations"`
	Scenarios    []string      `json:"scenarios"`
	Labels       string        `json:"labels,omitempty"`
	Upstream     string        `json:"upstream"`
	ResultsDir   string        `json:"resultsDir"`
	KeepFailed   bool          `json:"keepFailed"`
	// ValuesSource names where the Cilium values came from.
	ValuesSource string `json:"valuesSource"`
	// ValuesDiff lists the Cilium values that differ between the releases.
	ValuesDiff []ValueDiff `json:"valuesDiff"`
}

// NewPlan validates opts and builds the plan; bad input is reported with
// the offending value before anything runs.
func NewPlan(opts PlanOptions, exp Expectations) (*Plan, error) {
	releases, err := parseReleases(opts.Cilium)
	if err != nil {
		return nil, err
	}
	overrides, err := parseNodeImages(opts.NodeImages)
	if err != nil {
		return nil, err
	}
	upstream, err := parseUpstream(opts.Upstream)
	if err != nil {
		return nil, err
	}
	labels, err := ParseLabels(opts.Labels)
	if err != nil {
		return nil, err
	}
	chartVersion, err := interceptChartVersion()
	if err != nil {
		return nil, err
	}
	p := &Plan{Provider: ProviderKind, Scenarios: labels.Selected(), Labels: labels.String(), Upstream: upstream,
		ResultsDir: cmp.Or(opts.ResultsDir, DefaultResultsDir), KeepFailed: opts.KeepFailed}
	if opts.Agent {
		if err := agentOptions(opts, upstream); err != nil {
			return nil, err
		}
		p.Provider, p.ResultsDir = ProviderAgent, cmp.Or(opts.ResultsDir, DefaultAgentResultsDir)
	}
	for _, v := range releases {
		c := newCombination(v, p.ResultsDir, chartVersion)
		if opts.Agent {
			c.ClusterName, c.KubeconfigPath = "", "" // no cluster: a hermetic control plane per run
		} else {
			c.NodeImage, c.NodeImageFrom = overrides.pick(v)
		}
		for _, id := range p.Scenarios {
			if e := exp.For(id, v); e != nil {
				if c.Expected == nil {
					c.Expected = map[string]Expected{}
				}
				c.Expected[id] = *e
			}
		}
		c.ScenarioFlags = GoTest{}.Args(p.scenarioInput(c))
		p.Combinations = append(p.Combinations, c)
	}
	p.ValuesSource, p.ValuesDiff, err = diffValues(releases, opts.Values)
	if err != nil {
		return nil, err
	}
	return p, nil
}

// agentOptions refuses what the agent provider cannot honour.
func agentOptions(opts PlanOptions, upstream string) error {
	if len(opts.NodeImages) > 0 {
		return fmt.Errorf("--node-image %v with --agent: the agent provider runs no kind nodes", opts.NodeImages)
	}
	if upstream == UpstreamInternet {
		return fmt.Errorf("--upstream=%s with --agent: the agent provider serves the test names from in-process fakes (local)", upstream)
	}
	if opts.KeepFailed {
		return fmt.Errorf("--keep-failed with --agent: the agent provider keeps no cluster")
	}
	return nil
}

func newCombination(v versions.Cilium, resultsDir, chartVersion string) Combination {
	name := ClusterName(v)
	return Combination{
		Cilium:         v.String(),
		ClusterName:    name,
		KubeconfigPath: filepath.Join(resultsDir, "kubeconfig", name),
		ArtifactsDir:   filepath.Join(resultsDir, "artifacts", v.String()),
		Charts: Charts{Cilium: v.String(), CertManager: versions.CertManager,
			TrustManager: versions.TrustManager, InterceptChart: chartVersion},
		version: v,
	}
}

// ClusterName is the kind cluster name of release v: "cti-1-18-10".
func ClusterName(v versions.Cilium) string {
	return ClusterPrefix + strings.ReplaceAll(v.String(), ".", "-")
}

func parseReleases(in []string) ([]versions.Cilium, error) {
	if len(in) == 0 {
		return versions.DefaultReleases(), nil
	}
	var out []versions.Cilium
	seen := map[string]bool{}
	for _, s := range in {
		v, err := versions.ParseCilium(s)
		if err != nil {
			return nil, err
		}
		if seen[v.String()] {
			return nil, fmt.Errorf("release %s given twice in the Cilium list %q", v, strings.Join(in, ","))
		}
		seen[v.String()] = true
		out = append(out, v)
	}
	return out, nil
}

func parseUpstream(s string) (string, error) {
	switch s {
	case "", UpstreamLocal:
		return UpstreamLocal, nil
	case UpstreamInternet:
		return UpstreamInternet, nil
	}
	return "", fmt.Errorf("invalid upstream %q: want %s or %s", s, UpstreamLocal, UpstreamInternet)
}

// interceptChartVersion reads the embedded chart's Chart.yaml version.
func interceptChartVersion() (string, error) {
	b, err := fs.ReadFile(sandbox.InterceptChart(), "Chart.yaml")
	if err != nil {
		return "", fmt.Errorf("read intercept chart: %w", err)
	}
	var meta struct {
		Version string `json:"version"`
	}
	if err := yaml.Unmarshal(b, &meta); err != nil {
		return "", fmt.Errorf("parse intercept Chart.yaml: %w", err)
	}
	return meta.Version, nil
}
