package app

import (
	"bytes"
	"flag"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cilium-tls-intercept/sandbox/sandbox/certmanager"
	"github.com/cilium-tls-intercept/sandbox/sandbox/pipeline"
	"github.com/cilium-tls-intercept/sandbox/sandbox/release"
	"github.com/cilium-tls-intercept/sandbox/sandbox/steps"
	"github.com/cilium-tls-intercept/sandbox/sandbox/versions"
	"github.com/cilium-tls-intercept/sandbox/scenarios/kit/golden"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/")

func run(args ...string) (code int, stdout, stderr string) {
	var out, errOut bytes.Buffer
	code = Main(args, strings.NewReader(""), &out, &errOut)
	return code, out.String(), errOut.String()
}

// TestPlanGolden compares `sandbox plan --output json` per Cilium minor with
// testdata/plan-<minor>.json. Cilium's images come from the data pinned for
// each release (sandbox/cilium/images.json) and the other charts from
// go.mod's module versions, with an empty chart cache, so the output depends
// neither on earlier runs nor on the other modules the machine's module
// cache holds.
func TestPlanGolden(t *testing.T) {
	for _, src := range []release.Source{certmanager.CertManagerChart(), certmanager.TrustManagerChart()} {
		if _, _, err := release.LoadOffline(src, t.TempDir()); err != nil {
			t.Skipf("needs go.mod's %s chart in the Go module cache (go mod download): %v", src.Name, err)
		}
	}
	cache := t.TempDir()
	for _, v := range versions.DefaultReleases() {
		t.Run(v.MinorString(), func(t *testing.T) {
			code, out, errOut := run("plan", "--output", "json", "--cilium-version", v.MinorString(), "--chart-cache", cache)
			if code != ExitOK {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			out = strings.ReplaceAll(out, cache, "<chart-cache>")
			golden.Check(t, filepath.Join("testdata", "plan-"+v.MinorString()+".json"), []byte(out), *update)
		})
	}
}

func TestPlanText(t *testing.T) {
	code, out, errOut := run("plan", "--cilium-version", "1.20", "--chart-cache", t.TempDir(), "--set", "workload.replicas=2")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{
		"node image: " + versions.NodeImageFor(versions.MustParseCilium("1.20")).Ref,
		"release cilium in kube-system: chart cilium 1.20.2 from https://helm.cilium.io",
		"release cert-manager in cert-manager: chart cert-manager v1.21.2 from https://charts.jetstack.io",
		"disableDefaultCNI: true",
		"replicas: 2",
		"images (",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("plan output lacks %q", want)
		}
	}
}

// closedDocker points DOCKER_HOST at a unix socket nobody listens on.
func closedDocker(t *testing.T) {
	t.Helper()
	sock := filepath.Join(t.TempDir(), "docker.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	l.Close()
	t.Setenv("DOCKER_HOST", "unix://"+sock)
}

func TestSandboxCommandsFail(t *testing.T) {
	closedDocker(t)
	dir := t.TempDir()
	kc := filepath.Join(dir, "kubeconfig")
	cases := []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"up without docker", []string{"up", "--kubeconfig", kc, "--chart-cache", dir}, ExitUsage, " ✗ preflight (0.0s)\nError: preflight: no Docker daemon reachable at unix://"},
		{"down without docker", []string{"down"}, ExitUsage, " ✗ preflight (0.0s)\nError: preflight: no Docker daemon reachable at unix://"},
		{"status without docker", []string{"status", "--kubeconfig", kc}, ExitUsage, "Error: no Docker daemon reachable"},
		{"unsupported cilium", []string{"up", "--cilium-version", "1.21.0"}, ExitUsage, `Error: invalid argument "1.21.0" for "--cilium-version" flag: unsupported Cilium version "1.21.0": supported are 1.16 to 1.20`},
		{"plan unsupported cilium", []string{"plan", "--cilium-version", "1.15"}, ExitUsage, `unsupported Cilium version "1.15"`},
		{"bad output", []string{"plan", "--output", "xml"}, ExitUsage, `invalid --output "xml": want text, json or yaml`},
		{"bad set", []string{"up", "--set", "a.b"}, ExitUsage, `--set "a.b"`},
		{"bad cluster name", []string{"up", "--cluster-name", "Bad_Name"}, ExitUsage, `invalid cluster name "Bad_Name"`},
		{"missing kind config", []string{"plan", "--kind-config", filepath.Join(dir, "none.yaml")}, ExitUsage, "none.yaml"},
		{"matrix merge without files", []string{"matrix", "merge"}, ExitUsage, "matrix merge needs one or more results.json files"},
		{"argument to up", []string{"up", "extra"}, ExitUsage, `unknown command "extra" for "sandbox up"`},
		{"unknown flag", []string{"up", "--bogus"}, ExitUsage, "unknown flag: --bogus"},
		{"unknown command", []string{"bogus"}, ExitUsage, `unknown command "bogus" for "sandbox"`},
		{"argument to doctor", []string{"doctor", "x"}, ExitUsage, `unknown command "x" for "sandbox doctor"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			start := time.Now()
			code, _, errOut := run(c.args...)
			if took := time.Since(start); took > 5*time.Second {
				t.Errorf("took %s, want under 5s", took)
			}
			if code != c.code || !strings.Contains(errOut, c.stderr) {
				t.Fatalf("exit %d, stderr %q; want exit %d and %q", code, errOut, c.code, c.stderr)
			}
			if strings.Count(strings.TrimSpace(errOut), "\n") > 1 {
				t.Errorf("want one or two lines on stderr, got:\n%s", errOut)
			}
		})
	}
}

func TestUpJSONReportWithoutDocker(t *testing.T) {
	closedDocker(t)
	dir := t.TempDir()
	code, out, _ := run("up", "--output", "json", "--kubeconfig", filepath.Join(dir, "kc"), "--chart-cache", dir)
	if code != ExitUsage {
		t.Fatalf("exit %d, want %d", code, ExitUsage)
	}
	for _, want := range []string{`"name": "preflight"`, `"seconds": `, `"error": "preflight: no Docker daemon reachable`} {
		if !strings.Contains(out, want) {
			t.Errorf("json report lacks %s:\n%s", want, out)
		}
	}
}

// TestStatusHelp: status only reads; its help must not say it writes the
// kubeconfig, as up's does.
func TestStatusHelp(t *testing.T) {
	_, out, _ := run("status", "--help")
	if strings.Contains(out, "is written") || !strings.Contains(out, "writes no file") {
		t.Errorf("status --help claims a write or lacks \"writes no file\":\n%s", out)
	}
	if _, out, _ := run("up", "--help"); !strings.Contains(out, "kubeconfig is written") {
		t.Errorf("up --help does not say where the kubeconfig is written:\n%s", out)
	}
}

func TestPrintStatus(t *testing.T) {
	cases := []struct {
		name string
		st   pipeline.Status
		want []string
	}{
		{"missing", pipeline.Status{ClusterName: "c"}, []string{`cluster "c": not found (run ` + "`sandbox up`)"}},
		{"up", pipeline.Status{ClusterName: "c", Exists: true, Kubernetes: "v1.36.4", Nodes: []string{"c-control-plane"},
			Releases:  []pipeline.ReleaseStatus{{Release: "cilium", Namespace: "kube-system", Chart: "cilium", Version: "1.20.2", Revision: 1, Status: "deployed"}},
			Workloads: []pipeline.ReadyStatus{{Workload: "DaemonSet kube-system/cilium", Ready: false, State: "DaemonSet kube-system/cilium: 1/2 ready, 2 updated"}}},
			[]string{`cluster "c": Kubernetes v1.36.4, 1 nodes`, "release cilium", "1.20.2 revision 1: deployed", " ✗ DaemonSet kube-system/cilium DaemonSet kube-system/cilium: 1/2 ready"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var out bytes.Buffer
			printStatus(&out, &c.st)
			for _, w := range c.want {
				if !strings.Contains(out.String(), w) {
					t.Errorf("output lacks %q:\n%s", w, out.String())
				}
			}
		})
	}
}

// TestStepPrinterCancelled: a step cancelled because its sibling failed
// shows how it ended in the text output, not only in -o json.
func TestStepPrinterCancelled(t *testing.T) {
	var out bytes.Buffer
	p := stepPrinter(&out, 0)
	p(steps.Event{Name: "charts", Done: true, Result: steps.Result{Name: "charts", Error: "charts: download chart: no internet access"}})
	p(steps.Event{Name: "cluster", Done: true, Result: steps.Result{Name: "cluster", Seconds: 0.1, Cancelled: true,
		Error: "cluster: pull node image kindest/node:v1.36.4: context canceled"}})
	want := " ✗ charts (0.0s)\n ✗ cluster (0.1s)  cancelled when charts failed: pull node image kindest/node:v1.36.4: context canceled\n"
	if out.String() != want {
		t.Fatalf("printed\n%q\nwant\n%q", out.String(), want)
	}
}

func TestPrintArtifacts(t *testing.T) {
	var out bytes.Buffer
	printArtifacts(&out, &pipeline.Report{Artifacts: ".sandbox/artifacts/up-20260101-000000"})
	printArtifacts(&out, nil)
	if want := "artifacts (kind logs, Cilium and Envoy logs, certificates, pods, events): .sandbox/artifacts/up-20260101-000000\n"; out.String() != want {
		t.Fatalf("printed %q, want %q", out.String(), want)
	}
}
