package matrix

import (
	"context"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cilium-tls-intercept/sandbox/sandbox/scenario"
	"github.com/cilium-tls-intercept/sandbox/sandbox/versions"
)

func scenarioInput(v string) ScenarioInput {
	return ScenarioInput{Provider: ProviderExisting, Kubeconfig: "/tmp/kc", ClusterName: ClusterName(versions.MustParseCilium(v)),
		Cilium: versions.MustParseCilium(v), NodeImage: "kindest/node:v1.32.8", Upstream: UpstreamLocal,
		ArtifactsDir: "/tmp/art", Selected: scenario.All()}
}

func TestGoTestCommands(t *testing.T) {
	in := scenarioInput("1.17.16")
	in.Labels = "scenario=rotation"
	flags := "--provider=existing --kubeconfig=/tmp/kc --cluster-name=cti-1-17-16 --cilium-version=1.17.16" +
		" --upstream=local --node-image=kindest/node:v1.32.8 --artifacts=/tmp/art --labels=scenario=rotation"
	g := GoTest{Timeout: "2h"}
	if got, want := strings.Join(g.RunCommand("/b/scenarios.test", in, "--dry-run"), " "),
		"go tool test2json -t -p scenarios /b/scenarios.test -test.v=test2json -test.count=1 -test.timeout=2h "+flags+" --dry-run"; got != want {
		t.Errorf("RunCommand =\n%s\nwant\n%s", got, want)
	}
	if got, want := strings.Join(GoTest{}.BuildCommand("/b/scenarios.test"), " "), "go test -c -o /b/scenarios.test ./scenarios"; got != want {
		t.Errorf("BuildCommand = %s, want %s", got, want)
	}
}

// The agent provider gets no cluster, node image or upstream flags.
func TestGoTestArgsAgent(t *testing.T) {
	in := scenarioInput("1.18.11")
	in.Provider, in.Labels = ProviderAgent, "scenario=rotation"
	if got, want := strings.Join(GoTest{}.Args(in), " "),
		"--provider=agent --cilium-version=1.18.11 --artifacts=/tmp/art --labels=scenario=rotation"; got != want {
		t.Errorf("Args =\n%s\nwant\n%s", got, want)
	}
}

func TestOtherLabels(t *testing.T) {
	for in, want := range map[string]string{
		"": "", "scenario=rotation": "", "scenario=rotation,tier=slow": "tier=slow", "tier=slow, scenario=l7-deny,zone=a": "tier=slow,zone=a",
	} {
		if got := otherLabels(in); got != want {
			t.Errorf("otherLabels(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestLabelSkips(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "events", "suite-1.18.10-rotation.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	skipped, ran := labelSkips(b)
	for name, id := range suiteFeatures {
		rotation := id == scenario.Rotation
		if skipped[name] == rotation || ran[name] != rotation {
			t.Errorf("%s (%s): label-skipped %v, ran %v; want only rotation's features to run", name, id, skipped[name], ran[name])
		}
	}
	if len(skipped) != len(suiteFeatures)-2 {
		t.Errorf("skipped = %v, want every feature but rotation's two", skipped)
	}
}

// TestGoTestRunsSuite runs testdata/suite, an e2e-framework suite with the
// scenarios' flags, through a real `go test -json` subprocess.
func TestGoTestRunsSuite(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles and runs a test suite in a subprocess; not in -short mode")
	}
	g := GoTest{Package: "./testdata/suite"}
	bin, cleanup, err := g.binary(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer cleanup()
	features, err := g.Discover(context.Background(), bin, scenarioInput("1.17.16"))
	if err != nil {
		t.Fatal(err)
	}
	if !maps.Equal(features, suiteFeatures) {
		t.Errorf("discovered %v,\nwant %v (the unit test is no feature)", features, suiteFeatures)
	}
	g.TestBinary = bin
	rs, err := g.RunScenarios(context.Background(), scenarioInput("1.17.16"))
	if err != nil {
		t.Fatal(err)
	}
	m := byID(rs)
	if len(rs) != len(scenario.All()) || m[scenario.Rotation].Outcome != OutcomeFail || m[scenario.WildcardGroups].Outcome != OutcomeSkip ||
		m[scenario.Intercept].Outcome != OutcomePass || m[scenario.DefaultDeny].Outcome != OutcomeSkip {
		t.Fatalf("results = %+v, want rotation fail, wildcard-groups and default-deny skip, the rest pass", rs)
	}

	in := scenarioInput("1.20.2")
	in.Labels, in.Selected = "scenario=rotation", []string{scenario.Rotation}
	in.Kubeconfig = filepath.Join("relative", "kubeconfig") // made absolute for the suite
	rs, err = g.RunScenarios(context.Background(), in)
	if err != nil || len(rs) != 1 || rs[0].Outcome != OutcomePass {
		t.Fatalf("one cell: %+v, %v; want rotation passed only", rs, err)
	}

	t.Setenv("MATRIX_SUITE_SETUP_FAILS", "1")
	rs, err = g.RunScenarios(context.Background(), scenarioInput("1.20.2"))
	if err == nil || !strings.Contains(err.Error(), "cluster unreachable") || len(rs) != 0 {
		t.Fatalf("setup failure: %+v, %v; want no results and the suite's output in the error", rs, err)
	}
}

func TestGoTestReportsBuildFailure(t *testing.T) {
	fakeGo := filepath.Join(t.TempDir(), "go")
	script := "#!/bin/sh\necho 'scenarios/tls_test.go:12:2: undefined: probe.ServedChain' >&2\nexit 1\n"
	// go test -c fails: the build error is reported with the command.
	if err := os.WriteFile(fakeGo, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	_, err := GoTest{Go: fakeGo}.RunScenarios(context.Background(), scenarioInput("1.20.2"))
	if err == nil || !strings.Contains(err.Error(), "undefined: probe.ServedChain") || !strings.Contains(err.Error(), "build scenarios") {
		t.Fatalf("err = %v, want the exit status and the compiler's output", err)
	}
}
