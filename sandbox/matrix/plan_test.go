package matrix

import (
	"fmt"
	"strings"
	"testing"

	"github.com/cilium-tls-intercept/sandbox/sandbox/scenario"
	"github.com/cilium-tls-intercept/sandbox/sandbox/versions"
)

// stubValues stands in for the sandbox's Cilium values so the plan's
// golden files do not change with them.
func stubValues(v versions.Cilium, cluster string) (map[string]any, error) {
	vals := map[string]any{"l7Proxy": true, "k8sServiceHost": cluster + "-control-plane"}
	if v.AtLeast(17) {
		vals["tls"] = map[string]any{"secretSync": map[string]any{"enabled": true}}
	} else {
		vals["tls"] = map[string]any{"secretsBackend": "k8s"}
	}
	return vals, nil
}

func TestPlanGolden(t *testing.T) {
	cases := []struct {
		name string
		opts PlanOptions
	}{
		{"plan-default", PlanOptions{}},
		{"plan-one-cell", PlanOptions{Cilium: []string{"1.18.10"}, Labels: "scenario=rotation",
			NodeImages: []string{"1.18=kindest/node:v1.33.1"}, Upstream: UpstreamInternet, ResultsDir: "out", KeepFailed: true}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.opts.Values = stubValues
			p, err := NewPlan(c.opts, sampleExpectations(t))
			if err != nil {
				t.Fatal(err)
			}
			golden(t, c.name+".txt", p.Text())
			js, err := p.JSON()
			if err != nil {
				t.Fatal(err)
			}
			golden(t, c.name+".json", js)
		})
	}
}

func TestPlanPairsNodeImages(t *testing.T) {
	p, err := NewPlan(PlanOptions{
		Cilium:     []string{"1.16", "1.18.10", "1.19.5", "v1.20.2"},
		NodeImages: []string{"kindest/node:v1.35.0", "1.18=kindest/node:v1.33.1", "1.18.10=kindest/node:v1.33.4@sha256:abc"},
		Values:     stubValues,
	}, DefaultExpectations())
	if err != nil {
		t.Fatal(err)
	}
	want := []struct{ cilium, cluster, image, k8s, from string }{
		{"1.16.19", "cti-1-16-19", "kindest/node:v1.35.0", "v1.35.0", NodeImageFromOverride},
		{"1.18.10", "cti-1-18-10", "kindest/node:v1.33.4@sha256:abc", "v1.33.4", NodeImageFromOverride},
		{"1.19.5", "cti-1-19-5", "kindest/node:v1.35.0", "v1.35.0", NodeImageFromOverride},
		{"1.20.2", "cti-1-20-2", "kindest/node:v1.35.0", "v1.35.0", NodeImageFromOverride},
	}
	for i, w := range want {
		c := p.Combinations[i]
		got := fmt.Sprint(c.Cilium, c.ClusterName, c.NodeImage.Ref, c.NodeImage.Kubernetes, c.NodeImageFrom)
		if got != fmt.Sprint(w.cilium, w.cluster, w.image, w.k8s, w.from) {
			t.Errorf("combination %d = %s, want %+v", i, got, w)
		}
	}
	// Without overrides every release gets its pinned pairing.
	p, err = NewPlan(PlanOptions{Values: stubValues}, DefaultExpectations())
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range p.Combinations {
		pinned := versions.NodeImageFor(c.version)
		if c.NodeImage != pinned || c.NodeImageFrom != NodeImageFromPairing || !strings.Contains(c.NodeImage.Ref, "@sha256:") {
			t.Errorf("%s: node image %+v from %s, want the pinned %+v", c.Cilium, c.NodeImage, c.NodeImageFrom, pinned)
		}
	}
}

func TestPlanRejectsBadInput(t *testing.T) {
	cases := []struct {
		name string
		opts PlanOptions
		want string
	}{
		{"old release", PlanOptions{Cilium: []string{"1.15.7"}}, `unsupported Cilium version "1.15.7"`},
		{"not a version", PlanOptions{Cilium: []string{"latest"}}, `invalid Cilium version "latest"`},
		{"twice", PlanOptions{Cilium: []string{"1.18", "1.18.11"}}, "release 1.18.11 given twice"},
		{"upstream", PlanOptions{Upstream: "proxy"}, `invalid upstream "proxy"`},
		{"label", PlanOptions{Labels: "scenario=tls"}, `unknown scenario "tls"`},
		{"label syntax", PlanOptions{Labels: "rotation"}, `invalid label "rotation"`},
		{"image without tag", PlanOptions{NodeImages: []string{"kindest/node"}}, `invalid --node-image "kindest/node"`},
		{"image with space", PlanOptions{NodeImages: []string{"1.18=kindest/node: v1"}}, "contains spaces"},
		{"image for bad release", PlanOptions{NodeImages: []string{"1.99=kindest/node:v1.35.0"}}, `unsupported Cilium version "1.99"`},
		{"agent with a node image", PlanOptions{Agent: true, NodeImages: []string{"kindest/node:v1.33.1"}}, "--node-image [kindest/node:v1.33.1] with --agent"},
		{"agent on the internet", PlanOptions{Agent: true, Upstream: UpstreamInternet}, "--upstream=internet with --agent"},
		{"agent keeping clusters", PlanOptions{Agent: true, KeepFailed: true}, "--keep-failed with --agent"},
		{"values error", PlanOptions{Values: func(versions.Cilium, string) (map[string]any, error) {
			return nil, fmt.Errorf("boom")
		}}, "cilium values for 1.16.19: boom"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := NewPlan(c.opts, DefaultExpectations())
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("NewPlan error = %v, want it to contain %q", err, c.want)
			}
		})
	}
}

func TestPlanValuesDiffFromSandboxValues(t *testing.T) {
	p, err := NewPlan(PlanOptions{Cilium: []string{"1.16", "1.17"}}, DefaultExpectations())
	if err != nil {
		t.Fatal(err)
	}
	if p.ValuesSource != "sandbox/cilium.Values" {
		t.Fatalf("values source = %q", p.ValuesSource)
	}
	found := false
	for _, d := range p.ValuesDiff {
		if d.Key == "k8sServiceHost" {
			t.Errorf("the cluster name must not show as a version difference: %+v", d)
		}
		if d.Key == "tls.secretsBackend" && d.ByRelease["1.16.19"] == `"k8s"` && d.ByRelease["1.17.17"] == Unset {
			found = true
		}
	}
	if !found {
		t.Fatalf("diff %+v lacks tls.secretsBackend k8s on 1.16 only", p.ValuesDiff)
	}
}

func TestLabels(t *testing.T) {
	l, err := ParseLabels("scenario=rotation, scenario=intercept,tier=slow")
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(l.Selected(), ","); got != "intercept,rotation" {
		t.Errorf("Selected = %s, want column order intercept,rotation", got)
	}
	if got := l.String(); got != "scenario=rotation,scenario=intercept,tier=slow" {
		t.Errorf("String = %s", got)
	}
	all, _ := ParseLabels("tier=slow")
	if len(all.Selected()) != len(scenario.All()) {
		t.Errorf("without a scenario label every scenario is selected, got %v", all.Selected())
	}
}

// The plan lists the shipped rules where they apply: rotation and
// credential-injection are expected failures on 1.16 and on no later
// release.
func TestPlanShowsShippedRule(t *testing.T) {
	p, err := NewPlan(PlanOptions{Values: stubValues}, DefaultExpectations())
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range p.Combinations {
		for _, id := range []string{scenario.Rotation, scenario.CredentialInjection} {
			e, ok := c.Expected[id]
			if want := c.Cilium == "1.16.19"; ok != want || want && e.Outcome != OutcomeFail {
				t.Errorf("%s %s: expected %+v (%v), want an expected failure only on 1.16.19", c.Cilium, id, e, ok)
			}
		}
		if len(c.Expected) > 2 {
			t.Errorf("%s: expected differences %v, want rotation's and credential-injection's at most", c.Cilium, c.Expected)
		}
	}
	text := string(p.Text())
	if !strings.Contains(text, "  1.16.19 rotation: expected fail: secrets go inline, so a renewal reaches Envoy only when the policy is recomputed (K7, cilium/cilium#35513)") {
		t.Errorf("plan text lacks the 1.16.19 rotation line:\n%s", text)
	}
	if strings.Count(text, " rotation: expected") != 1 {
		t.Errorf("plan text lists rotation outside 1.16.19:\n%s", text)
	}
}

// An agent plan runs every default patch on the agent provider, with no
// cluster or node image, into its own results directory, expecting only
// what Cilium's Go code shows.
func TestPlanAgent(t *testing.T) {
	p, err := NewPlan(PlanOptions{Agent: true, Values: stubValues}, GoExpectations())
	if err != nil {
		t.Fatal(err)
	}
	if p.Provider != ProviderAgent || p.ResultsDir != DefaultAgentResultsDir {
		t.Errorf("provider %q, results %q; want %q, %q", p.Provider, p.ResultsDir, ProviderAgent, DefaultAgentResultsDir)
	}
	if len(p.Combinations) != len(versions.DefaultReleases()) {
		t.Fatalf("%d combinations, want one per default patch (%d)", len(p.Combinations), len(versions.DefaultReleases()))
	}
	for _, c := range p.Combinations {
		flags := strings.Join(c.ScenarioFlags, " ")
		if want := "--provider=agent --cilium-version=" + c.Cilium + " --artifacts="; !strings.HasPrefix(flags, want) {
			t.Errorf("%s: flags %q, want them to start with %q", c.Cilium, flags, want)
		}
		if c.ClusterName != "" || c.KubeconfigPath != "" || c.NodeImage.Ref != "" {
			t.Errorf("%s: cluster %q, kubeconfig %q, node image %q; want none", c.Cilium, c.ClusterName, c.KubeconfigPath, c.NodeImage.Ref)
		}
		_, rot := c.Expected[scenario.Rotation]
		if want := c.Cilium == "1.16.19"; rot != want {
			t.Errorf("%s: rotation expected to fail %v, want %v (K7, which Go code shows)", c.Cilium, rot, want)
		}
	}
}
