//go:build releases && linux

package releases

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cilium-tls-intercept/sandbox/cmd/sandbox/app"
	"github.com/cilium-tls-intercept/sandbox/sandbox/ciliumrun/wire"
	"github.com/cilium-tls-intercept/sandbox/sandbox/lint/agent"
	"github.com/cilium-tls-intercept/sandbox/sandbox/versions"
)

// defaultPatches are the releases each minor's tests run by default: each
// supported minor's default patch (1.16.19 ... 1.20.2), oldest first.
func defaultPatches() []string {
	var out []string
	for _, v := range versions.DefaultReleases() {
		out = append(out, v.String())
	}
	return out
}

// timingsEnv names a file the tests append a line per lint run to (release,
// helper seconds and whether it was built, the whole run's seconds);
// `make test-releases` sets it and prints the file.
const timingsEnv = "RELEASES_TIMINGS"

// sandbox runs the sandbox command with args and stdin as a user would, and
// returns its exit code, standard output and standard error.
func sandbox(stdin []byte, args ...string) (int, string, string) {
	var out, errOut bytes.Buffer
	code := app.Main(args, bytes.NewReader(stdin), &out, &errOut)
	return code, out.String(), errOut.String()
}

var (
	rendersMu sync.Mutex
	renders   = map[string][]byte{}
)

// chartRender is `sandbox render --cilium-version release`: the chart's
// manifests for that release.
func chartRender(t *testing.T, release string) []byte {
	t.Helper()
	rendersMu.Lock()
	defer rendersMu.Unlock()
	if r, ok := renders[release]; ok {
		return r
	}
	code, out, errOut := sandbox(nil, "render", "--cilium-version", release)
	if code != 0 {
		t.Fatalf("sandbox render --cilium-version %s: exit %d: %s", release, code, errOut)
	}
	if !strings.Contains(out, "kind: CiliumNetworkPolicy") {
		t.Fatalf("sandbox render --cilium-version %s holds no CiliumNetworkPolicy:\n%s", release, out)
	}
	renders[release] = []byte(out)
	return renders[release]
}

var (
	needOnce sync.Once
	needErr  string
)

// needToolchainAndProxy skips t, in one line, when helpers cannot be built
// here: no go command, or Cilium's module neither cached nor served.
func needToolchainAndProxy(t *testing.T) {
	t.Helper()
	needOnce.Do(func() {
		if _, err := exec.LookPath("go"); err != nil {
			needErr = "needs the Go toolchain on PATH to build Cilium's helpers"
			return
		}
		mod := "github.com/cilium/cilium@v" + versions.DefaultCilium
		cmd := exec.Command("go", "mod", "download", "-json", mod)
		cmd.Dir = os.TempDir()
		if out, err := cmd.CombinedOutput(); err != nil {
			needErr = fmt.Sprintf("needs the Go module proxy (or %s in the module cache): %s", mod, firstLine(out))
		}
	})
	if needErr != "" {
		t.Skip(needErr)
	}
}

func firstLine(b []byte) string {
	s, _, _ := strings.Cut(strings.TrimSpace(string(b)), "\n")
	return s
}

// lintAgent runs `sandbox lint --agent -o json -f -` with args on
// manifests, fails t unless it exits 0, records its timings, and returns
// the agent part of the report.
func lintAgent(t *testing.T, manifests []byte, args ...string) *agent.Report {
	t.Helper()
	needToolchainAndProxy(t)
	full := append([]string{"lint", "--agent", "-o", "json", "-f", "-"}, args...)
	start := time.Now()
	code, out, errOut := sandbox(manifests, full...)
	took := time.Since(start)
	if code != 0 {
		t.Fatalf("sandbox %s: exit %d\nstderr:\n%s\nstdout:\n%.4000s", strings.Join(full, " "), code, errOut, out)
	}
	var rep struct {
		Agent *agent.Report `json:"agent"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("sandbox %s: decode its JSON: %v\n%.2000s", strings.Join(full, " "), err, out)
	}
	if rep.Agent == nil || len(rep.Agent.Releases) == 0 {
		t.Fatalf("sandbox %s: no agent releases in the report:\n%.2000s", strings.Join(full, " "), out)
	}
	recordTimings(t, rep.Agent, took)
	return rep.Agent
}

// recordTimings logs, and appends to $RELEASES_TIMINGS, each release's
// helper seconds and the run's seconds.
func recordTimings(t *testing.T, rep *agent.Report, took time.Duration) {
	t.Helper()
	var lines []string
	for _, r := range rep.Releases {
		how := "cached"
		if r.Helper.Built {
			how = "built"
		}
		lines = append(lines, fmt.Sprintf("%-24s Cilium %-8s helper %-6s %6.1fs   lint --agent run %6.1fs (all releases of the run)",
			t.Name(), r.Cilium, how, r.Helper.Took, took.Seconds()))
	}
	for _, l := range lines {
		t.Log(l)
	}
	name := os.Getenv(timingsEnv)
	if name == "" {
		return
	}
	f, err := os.OpenFile(name, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		t.Errorf("timings file: %v", err)
		return
	}
	defer f.Close()
	if _, err := f.WriteString(strings.Join(lines, "\n") + "\n"); err != nil {
		t.Errorf("timings file: %v", err)
	}
}

// wirePolicyMapEntry is a policy-map entry as the report carries it.
type wirePolicyMapEntry = wire.PolicyMapEntry

// workload is the report's view of a workload, by the name the report
// gives it ("Deployment ns/name").
func workload(t *testing.T, r *agent.Release, name string) *wire.WorkloadView {
	t.Helper()
	for i := range r.Workloads {
		w := &r.Workloads[i]
		if w.Workload.Name == name {
			if w.PolicyError != "" {
				t.Fatalf("Cilium %s computed no policy for %s: %s", r.Cilium, name, w.PolicyError)
			}
			return w
		}
	}
	t.Fatalf("Cilium %s's report has no workload %s", r.Cilium, name)
	return nil
}

// identityOfName is the identity the agent's IP cache gives the address a
// DNS name was answered with.
func identityOfName(t *testing.T, r *agent.Release, name string) uint32 {
	t.Helper()
	for _, e := range r.IPCache {
		if slices.Contains(e.Names, name) {
			return e.Identity
		}
	}
	t.Fatalf("Cilium %s's IP cache has no entry for %s: %+v", r.Cilium, name, r.IPCache)
	return 0
}
