package pipeline

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/kind/pkg/apis/config/v1alpha4"

	"github.com/cilium-tls-intercept/sandbox/sandbox/cluster"
	"github.com/cilium-tls-intercept/sandbox/sandbox/versions"
)

func TestResolveRejectsBadInput(t *testing.T) {
	badKind := filepath.Join(t.TempDir(), "kind.yaml")
	os.WriteFile(badKind, []byte("kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nnodes:\n- role: control-plane\n"), 0o644)
	cases := []struct {
		name    string
		opts    Options
		wantErr string
	}{
		{"old cilium", Options{CiliumVersion: "1.15.7"}, `unsupported Cilium version "1.15.7": supported are 1.16 to 1.20`},
		{"garbage cilium", Options{CiliumVersion: "latest"}, `invalid Cilium version "latest"`},
		{"node image", Options{NodeImage: "kindest/node:v1.35 8"}, `invalid node image "kindest/node:v1.35 8"`},
		{"cluster name", Options{ClusterName: "My_Cluster"}, `invalid cluster name "My_Cluster"`},
		{"missing kind config", Options{KindConfigPath: "/nonexistent/kind.yaml"}, "/nonexistent/kind.yaml"},
		{"kind config with default CNI", Options{KindConfigPath: badKind}, "disableDefaultCNI must be true"},
		{"unknown chart value", Options{ChartValues: map[string]any{"intercepts": map[string]any{}}}, "intercepts"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.opts.ChartCacheDir = t.TempDir()
			_, err := BuildPlan(context.Background(), c.opts)
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Fatalf("BuildPlan error = %v, want it to contain %q", err, c.wantErr)
			}
			// Up rejects the same input before touching anything (no Docker needed).
			rep, err := Up(context.Background(), c.opts)
			if rep != nil || err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Fatalf("Up = %v, %v; want no report and an error containing %q", rep, err, c.wantErr)
			}
		})
	}
}

func TestBuildPlan(t *testing.T) {
	for _, v := range versions.DefaultReleases() {
		t.Run(v.MinorString(), func(t *testing.T) {
			p, err := BuildPlan(context.Background(), Options{CiliumVersion: v.MinorString(), ChartCacheDir: t.TempDir(),
				ChartValues: map[string]any{"upstreamTrust": map[string]any{"secretName": "my-roots"}}})
			if err != nil {
				t.Fatal(err)
			}
			if p.CiliumVersion != v.String() || p.NodeImage != versions.NodeImageFor(v) {
				t.Errorf("plan cilium %s node %+v", p.CiliumVersion, p.NodeImage)
			}
			if !strings.Contains(p.KindConfig, "image: "+p.NodeImage.Ref) || !strings.Contains(p.KindConfig, "name: cilium-tls-intercept") {
				t.Errorf("kind config lacks the name or node image:\n%s", p.KindConfig)
			}
			var names []string
			for _, r := range p.Releases {
				names = append(names, r.Release)
			}
			if got := strings.Join(names, ","); got != "cilium,cert-manager,trust-manager,cilium-tls-intercept" {
				t.Errorf("releases %s", got)
			}
			tm := p.Releases[2].Values["secretTargets"].(map[string]any)["authorizedSecrets"].([]any)
			if len(tm) != 1 || tm[0] != "my-roots" {
				t.Errorf("trust-manager authorizedSecrets %v, want the chart's upstreamTrust.secretName", tm)
			}
			if p.Releases[3].Values["cilium"].(map[string]any)["version"] != v.String() {
				t.Errorf("chart values %v lack cilium.version %s", p.Releases[3].Values, v)
			}
			if !contains(p.Images, "quay.io/jetstack/cert-manager-webhook:"+versions.CertManager) {
				t.Errorf("images %v lack cert-manager's webhook (module cache missing?)", p.Images)
			}
			hasCilium := contains(p.Images, "quay.io/cilium/cilium:v"+v.String())
			noted := len(p.Notes) == 1 && strings.Contains(p.Notes[0], "images of cilium are not listed")
			if hasCilium == noted {
				t.Errorf("cilium images listed=%v, noted=%v (%v): exactly one must hold", hasCilium, noted, p.Notes)
			}
		})
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// TestUpWithoutDocker runs the real Up against a Docker host that does not
// answer: it must stop in preflight, fast, with ErrNoDocker, touching nothing.
func TestUpWithoutDocker(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "docker.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	l.Close()
	t.Setenv("DOCKER_HOST", "unix://"+sock)
	dir := t.TempDir()
	start := time.Now()
	rep, err := Up(context.Background(), Options{KubeconfigPath: filepath.Join(dir, "kubeconfig"), ChartCacheDir: filepath.Join(dir, "charts")})
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("Up took %s to report no Docker, want under 5s", took)
	}
	if !errors.Is(err, cluster.ErrNoDocker) {
		t.Fatalf("Up error = %v, want ErrNoDocker", err)
	}
	if rep == nil || len(rep.Steps) != 1 || rep.Steps[0].Name != "preflight" || rep.Steps[0].Error == "" {
		t.Fatalf("report = %+v, want one failed preflight step", rep)
	}
	if _, err := os.Stat(filepath.Join(dir, "kubeconfig")); !os.IsNotExist(err) {
		t.Error("Up wrote a kubeconfig without a cluster")
	}
	if _, err := Down(context.Background(), Options{}); !errors.Is(err, cluster.ErrNoDocker) {
		t.Errorf("Down error = %v, want ErrNoDocker", err)
	}
}

// TestUpLive runs the whole Up twice on a real Docker host; the second run
// must change nothing.
func TestUpLive(t *testing.T) {
	if err := cluster.CheckDocker(context.Background()); err != nil {
		t.Skipf("needs a Docker daemon and internet access: %v", err)
	}
	if os.Getenv("SANDBOX_LIVE") == "" {
		t.Skip("needs SANDBOX_LIVE=1 (creates a kind cluster, downloads images)")
	}
	ctx := context.Background()
	opts := Options{ClusterName: "sandbox-test", KubeconfigPath: filepath.Join(t.TempDir(), "kubeconfig")}
	t.Cleanup(func() { Down(context.Background(), opts) })
	cold, err := Up(ctx, opts)
	if err != nil {
		t.Fatalf("first up: %v", err)
	}
	logSteps(t, "first up", cold)
	rep, err := Up(ctx, opts)
	if err != nil {
		t.Fatalf("second up: %v", err)
	}
	logSteps(t, "second up", rep)
	for _, s := range rep.Steps {
		if s.Changed {
			t.Errorf("second up changed step %s: %s", s.Name, s.Detail)
		}
	}
}

// logSteps logs each step's seconds: the live test is where the cold
// (90 s) and warm (5 s) targets are measured.
func logSteps(t *testing.T, run string, rep *Report) {
	t.Helper()
	for _, s := range rep.Steps {
		t.Logf("%s: %-13s %7.1fs changed=%v %s", run, s.Name, s.Seconds, s.Changed, s.Detail)
	}
	t.Logf("%s: %.1fs in all", run, rep.Seconds)
}

func TestCheckHostPorts(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	port := int32(l.Addr().(*net.TCPAddr).Port)
	cfg := &v1alpha4.Cluster{Nodes: []v1alpha4.Node{{ExtraPortMappings: []v1alpha4.PortMapping{{HostPort: port, ListenAddress: "127.0.0.1"}}}}}
	if err := checkHostPorts(cfg); err == nil || !strings.Contains(err.Error(), "in use") {
		t.Fatalf("checkHostPorts = %v, want the port reported in use", err)
	}
	l.Close()
	if err := checkHostPorts(cfg); err != nil {
		t.Fatalf("checkHostPorts on a free port: %v", err)
	}
}

func TestCheckDisk(t *testing.T) {
	free, err := checkDisk(t.TempDir())
	if free == 0 {
		t.Fatalf("checkDisk reported 0 bytes free (err %v)", err)
	}
	if err != nil && !strings.Contains(err.Error(), "GiB free") {
		t.Fatalf("checkDisk error %q does not say how much is free", err)
	}
	if _, err := checkDisk("/nonexistent/dir"); err == nil {
		t.Fatal("want an error for a missing directory")
	}
}

func TestCertificateNotReady(t *testing.T) {
	cert := func(status string) *unstructured.Unstructured {
		u := &unstructured.Unstructured{Object: map[string]any{"metadata": map[string]any{"name": "c", "namespace": "ns"}}}
		if status != "" {
			u.Object["status"] = map[string]any{"conditions": []any{map[string]any{"type": "Ready", "status": status, "message": "Issuing certificate"}}}
		}
		return u
	}
	for status, want := range map[string]string{"True": "", "False": "ns/c: Issuing certificate", "": "ns/c: no Ready condition yet"} {
		if got := certificateNotReady(cert(status)); got != want {
			t.Errorf("status %q: got %q, want %q", status, got, want)
		}
	}
}

// TestUpCancelled: a cancelled context (Ctrl-C) stops Up before the next
// step starts, and says so.
func TestUpCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	dir := t.TempDir()
	rep, err := Up(ctx, Options{KubeconfigPath: filepath.Join(dir, "kubeconfig"), ChartCacheDir: dir})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Up error = %v, want context.Canceled", err)
	}
	if rep != nil && len(rep.Steps) > 0 {
		t.Fatalf("steps ran after cancellation: %+v", rep.Steps)
	}
}
