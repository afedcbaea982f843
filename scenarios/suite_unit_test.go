package scenarios

import (
	"context"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// parseOptions parses args with the suite's flags on a fresh flag set.
func parseOptions(t *testing.T, kubeconfig string, args ...string) (*runOptions, error) {
	t.Helper()
	fs := flag.NewFlagSet("scenarios", flag.ContinueOnError)
	o := registerFlags(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	o.kubeconfig = kubeconfig
	return o, o.resolve()
}

func TestRunOptions(t *testing.T) {
	kubeconfig := filepath.Join(t.TempDir(), "kubeconfig")
	if err := os.WriteFile(kubeconfig, []byte("apiVersion: v1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name         string
		kubeconfig   string
		args         []string
		wantProvider string
		wantErr      string
	}{
		{name: "defaults", wantProvider: providerKind},
		{name: "kubeconfig means existing", kubeconfig: kubeconfig, wantProvider: providerExisting},
		{name: "kind offline", args: []string{"--provider=kind", "--upstream=local"}, wantProvider: providerKind},
		{name: "hermetic", args: []string{"--provider=hermetic"}, wantProvider: providerHermetic},
		{name: "agent", args: []string{"--provider=agent"}, wantProvider: providerAgent},
		{name: "agent is offline", args: []string{"--provider=agent", "--upstream=internet"}, wantErr: "--upstream=internet with --provider=agent"},
		{name: "bad provider", args: []string{"--provider=minikube"}, wantErr: `--provider="minikube"`},
		{name: "bad upstream", args: []string{"--upstream=offline"}, wantErr: `--upstream="offline"`},
		{name: "local needs kind", kubeconfig: kubeconfig, args: []string{"--upstream=local"}, wantErr: "--upstream=local with --provider=existing"},
		{name: "existing needs kubeconfig", args: []string{"--provider=existing"}, wantErr: "needs --kubeconfig"},
		{name: "missing kubeconfig", kubeconfig: "/nonexistent/kubeconfig", wantErr: `--kubeconfig="/nonexistent/kubeconfig"`},
		{name: "bad cilium version", args: []string{"--cilium-version=2.0"}, wantErr: `--cilium-version="2.0"`},
		{name: "bad timeout", args: []string{"--probe-timeout=0s"}, wantErr: "--probe-timeout=0s"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			o, err := parseOptions(t, tc.kubeconfig, tc.args...)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if o.provider != tc.wantProvider {
				t.Errorf("provider %s, want %s", o.provider, tc.wantProvider)
			}
			if !filepath.IsAbs(o.artifacts) {
				t.Errorf("artifacts %q is not absolute, so the printed path would depend on the directory", o.artifacts)
			}
		})
	}
}

// TestRotationTimeoutDefault: --rotation-timeout defaults to 3 minutes on a
// cluster and to 30 s on the agent provider, whose helper serves a renewal
// in seconds; a value given is kept on every provider, and 0 is refused.
func TestRotationTimeoutDefault(t *testing.T) {
	cases := []struct {
		args []string
		want time.Duration
	}{
		{nil, 3 * time.Minute},
		{[]string{"--provider=hermetic"}, 3 * time.Minute},
		{[]string{"--provider=agent"}, 30 * time.Second},
		{[]string{"--provider=agent", "--rotation-timeout=2m"}, 2 * time.Minute},
		{[]string{"--rotation-timeout=45s"}, 45 * time.Second},
	}
	for _, tc := range cases {
		o, err := parseOptions(t, "", tc.args...)
		if err != nil || o.rotationTimeout != tc.want {
			t.Errorf("%v: rotation timeout %s (%v), want %s", tc.args, o.rotationTimeout, err, tc.want)
		}
	}
	if _, err := parseOptions(t, "", "--provider=agent", "--rotation-timeout=0s"); err == nil || !strings.Contains(err.Error(), "--rotation-timeout=0s") {
		t.Errorf("--rotation-timeout=0s: error %v, want one naming the value", err)
	}
}

func TestPreflight(t *testing.T) {
	noDocker := func(context.Context) error { return errors.New("no Docker daemon reachable") }
	docker := func(context.Context) error { return nil }
	cases := []struct {
		name     string
		provider string
		check    func(context.Context) error
		wantSkip string
	}{
		{"kind without docker", providerKind, noDocker, "needs a Docker daemon"},
		{"kind with docker", providerKind, docker, ""},
		{"existing needs no docker", providerExisting, noDocker, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := preflight(context.Background(), runOptions{provider: tc.provider}, tc.check)
			if (tc.wantSkip == "") != (got == "") || !strings.Contains(got, tc.wantSkip) {
				t.Errorf("skip %q, want %q", got, tc.wantSkip)
			}
		})
	}
}

func TestSetIssuing(t *testing.T) {
	c := &unstructured.Unstructured{Object: map[string]any{"status": map[string]any{"conditions": []any{
		map[string]any{"type": "Ready", "status": "True"},
		map[string]any{"type": "Issuing", "status": "False", "reason": "Done"},
	}}}}
	c.SetGeneration(3)
	setIssuing(c, time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	conds, _, _ := unstructured.NestedSlice(c.Object, "status", "conditions")
	if len(conds) != 2 {
		t.Fatalf("conditions %v, want Ready and one Issuing", conds)
	}
	issuing := conds[1].(map[string]any)
	want := map[string]any{"type": "Issuing", "status": "True", "reason": "ManuallyTriggered",
		"lastTransitionTime": "2026-01-02T03:04:05Z", "observedGeneration": int64(3)}
	for k, v := range want {
		if issuing[k] != v {
			t.Errorf("%s = %v, want %v", k, issuing[k], v)
		}
	}
	if conds[0].(map[string]any)["type"] != "Ready" {
		t.Error("the Ready condition was not kept")
	}
}

func TestNegativePod(t *testing.T) {
	d := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Namespace: "intercept-workload", Name: "intercept-workload"},
		Spec: appsv1.DeploymentSpec{Template: corev1.PodTemplateSpec{
			ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "intercept-workload"}},
			Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "curl", Image: "curlimages/curl:8.11.1@sha256:abc"}}}}}}
	p := negativePod(d)
	if p.Labels["app"] == "intercept-workload" || p.Namespace != "intercept-workload" {
		t.Errorf("control pod %s/%s labels %v must not carry the workload label", p.Namespace, p.GenerateName, p.Labels)
	}
	if p.Spec.Containers[0].Image != "curlimages/curl:8.11.1@sha256:abc" || p.Spec.Containers[0].Name != workloadContainer {
		t.Errorf("container %+v, want the workload's image", p.Spec.Containers[0])
	}
}

func TestSecretLineHasNoValues(t *testing.T) {
	sec := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "cilium-secrets", Name: "intercept-github-tls"},
		Type: corev1.SecretTypeTLS, Data: map[string][]byte{"tls.key": []byte("SECRET-KEY"), "tls.crt": []byte("CERT"), "ca.crt": []byte("CA")}}
	got := secretLine(sec)
	want := "cilium-secrets/intercept-github-tls kubernetes.io/tls keys: ca.crt (2 bytes), tls.crt (4 bytes), tls.key (10 bytes)"
	if got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	if strings.Contains(got, "SECRET-KEY") {
		t.Error("a secret value leaked")
	}
}
