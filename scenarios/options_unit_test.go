package scenarios

import (
	"cmp"
	"flag"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cilium-tls-intercept/sandbox/sandbox/pipeline"
	"github.com/cilium-tls-intercept/sandbox/sandbox/release"
)

// TestTimeoutProblem: a run on a cluster with go test's default -timeout
// (10m) stops before it starts, naming the flag; the go command would kill
// it mid-run, skipping the teardown that removes the offline hosts block.
func TestTimeoutProblem(t *testing.T) {
	kind := runOptions{provider: providerKind}
	cases := []struct {
		name    string
		timeout time.Duration
		o       runOptions
		skip    string
		dryRun  bool
		want    string
	}{
		{name: "kind, go test's default", timeout: 10 * time.Minute, o: kind, want: "-timeout of 10m0s (its default) is too short for the scenarios on a cluster: a cold sandbox up, the settles and the rotation take longer, and a run killed at the timeout skips its cleanup. Run: go test -timeout 60m ./scenarios"},
		{name: "existing, 20m", timeout: 20 * time.Minute, o: runOptions{provider: providerExisting}, want: "-timeout of 20m0s is too short"},
		{name: "kind, 60m", timeout: time.Hour, o: kind},
		{name: "kind, the e2e workflow's 50m", timeout: 50 * time.Minute, o: kind},
		{name: "kind, no timeout", timeout: 0, o: kind},
		{name: "cluster tests skip", timeout: 10 * time.Minute, o: kind, skip: "needs a Docker daemon"},
		{name: "dry run", timeout: 10 * time.Minute, o: kind, dryRun: true},
		{name: "hermetic", timeout: 10 * time.Minute, o: runOptions{provider: providerHermetic}},
		{name: "agent", timeout: 10 * time.Minute, o: runOptions{provider: providerAgent}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := timeoutProblem(tc.timeout, tc.o, tc.skip, tc.dryRun)
			if (tc.want == "") != (got == "") || !strings.Contains(got, tc.want) {
				t.Errorf("timeoutProblem = %q, want %q", got, tc.want)
			}
		})
	}
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	fs.Duration("test.timeout", 0, "")
	if err := fs.Parse([]string{"-test.timeout=10m0s"}); err != nil || testTimeout(fs) != 10*time.Minute {
		t.Errorf("testTimeout = %s (%v), want 10m read from -test.timeout", testTimeout(fs), err)
	}
	if d := testTimeout(flag.NewFlagSet("none", flag.ContinueOnError)); d != 0 {
		t.Errorf("testTimeout without the flag = %s, want 0", d)
	}
}

// TestUpOptionsUseRepositoryCaches: the kind provider brings the sandbox
// up with the repository's chart cache and kubeconfig (those of make
// sandbox), not ones under ./scenarios, so an offline run after make
// sandbox needs no download.
func TestUpOptionsUseRepositoryCaches(t *testing.T) {
	o := runOptions{clusterName: "c"}
	up := o.upOptions(nil)
	// pipeline.Up reads an empty path as its default, relative to the
	// directory go test runs the package in.
	for what, c := range map[string]struct{ got, want string }{
		"chart cache": {cmp.Or(up.ChartCacheDir, release.DefaultChartCache), filepath.Join("..", ".sandbox", "charts")},
		"kubeconfig":  {cmp.Or(up.KubeconfigPath, pipeline.DefaultKubeconfig), filepath.Join("..", ".sandbox", "kubeconfig")},
	} {
		got, _ := filepath.Abs(c.got)
		want, _ := filepath.Abs(c.want)
		if got != want {
			t.Errorf("%s %q resolves to %s, want the repository's %s", what, c.got, got, want)
		}
	}
}
