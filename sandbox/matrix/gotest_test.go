package matrix

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cilium-tls-intercept/sandbox/sandbox/versions"
)

func scenarioInput(v string) ScenarioInput {
	return ScenarioInput{Kubeconfig: "/tmp/kc", ClusterName: ClusterName(versions.MustParseCilium(v)),
		Cilium: versions.MustParseCilium(v), NodeImage: "kindest/node:v1.32.8", Upstream: UpstreamLocal,
		ArtifactsDir: "/tmp/art", Selected: Scenarios()}
}

func TestGoTestCommand(t *testing.T) {
	in := scenarioInput("1.17.16")
	in.Labels = "scenario=rotation"
	flags := "--provider=existing --kubeconfig=/tmp/kc --cluster-name=cti-1-17-16 --cilium-version=1.17.16" +
		" --upstream=local --node-image=kindest/node:v1.32.8 --artifacts=/tmp/art --labels=scenario=rotation"
	cases := []struct {
		name string
		g    GoTest
		want string
	}{
		{"go test", GoTest{}, "go test -json -count=1 -timeout=90m ./scenarios -args " + flags},
		{"test binary", GoTest{TestBinary: "bin/scenarios.test", Timeout: "2h"},
			"go tool test2json -t -p scenarios bin/scenarios.test -test.v=test2json -test.count=1 -test.timeout=2h " + flags},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := strings.Join(c.g.Command(in), " "); got != c.want {
				t.Fatalf("Command =\n%s\nwant\n%s", got, c.want)
			}
		})
	}
}

// TestGoTestRunsSuite runs testdata/suite, an e2e-framework suite with the
// scenarios' flags, through a real `go test -json` subprocess.
func TestGoTestRunsSuite(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles and runs a test suite in a subprocess; not in -short mode")
	}
	g := GoTest{Package: "./testdata/suite"}
	rs, err := g.RunScenarios(context.Background(), scenarioInput("1.17.16"))
	if err != nil {
		t.Fatal(err)
	}
	m := byID(rs)
	if len(rs) != len(Scenarios()) || m[ScenarioRotation].Outcome != OutcomeFail || m[ScenarioWildcardGroups].Outcome != OutcomeSkip ||
		m[ScenarioIntercept].Outcome != OutcomePass {
		t.Fatalf("results = %+v, want rotation fail, wildcard-groups skip, the rest pass", rs)
	}

	in := scenarioInput("1.20.2")
	in.Labels, in.Selected = "scenario=rotation", []string{ScenarioRotation}
	rs, err = g.RunScenarios(context.Background(), in)
	if err != nil || len(rs) != 1 || rs[0].Outcome != OutcomePass {
		t.Fatalf("one cell: %+v, %v; want rotation passed only", rs, err)
	}

	t.Setenv("MATRIX_SUITE_SETUP_FAILS", "1")
	rs, err = g.RunScenarios(context.Background(), scenarioInput("1.20.2"))
	if err == nil || !strings.Contains(err.Error(), "cluster unreachable") || len(rs) != len(Scenarios()) || rs[0].Outcome != OutcomeError {
		t.Fatalf("setup failure: %+v, %v; want every cell error and the suite's output in the error", rs, err)
	}
}

func TestGoTestReportsBuildFailure(t *testing.T) {
	fakeGo := filepath.Join(t.TempDir(), "go")
	script := "#!/bin/sh\necho 'scenarios/tls_test.go:12:2: undefined: probe.ServedChain' >&2\nexit 1\n"
	if err := os.WriteFile(fakeGo, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	_, err := GoTest{Go: fakeGo}.RunScenarios(context.Background(), scenarioInput("1.20.2"))
	if err == nil || !strings.Contains(err.Error(), "undefined: probe.ServedChain") || !strings.Contains(err.Error(), "exit status 1") {
		t.Fatalf("err = %v, want the exit status and the compiler's output", err)
	}
}
