package pipeline

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	dynamicfake "k8s.io/client-go/dynamic/fake"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/cilium-tls-intercept/sandbox/sandbox/doctor"
	"github.com/cilium-tls-intercept/sandbox/sandbox/resources"
)

func TestCollectArtifacts(t *testing.T) {
	dir := t.TempDir()
	r, err := resolve(Options{ClusterName: "demo", KubeconfigPath: filepath.Join(dir, "kubeconfig"), ArtifactsDir: filepath.Join(dir, "artifacts")})
	if err != nil {
		t.Fatal(err)
	}
	agent := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: "kube-system", Name: "cilium-abcde", Labels: map[string]string{"k8s-app": "cilium"}},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "cilium-agent"}}},
		Status: corev1.PodStatus{Phase: corev1.PodRunning, ContainerStatuses: []corev1.ContainerStatus{{Name: "cilium-agent",
			State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff"}}, RestartCount: 3}}},
	}
	cert := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "cert-manager.io/v1", "kind": "Certificate",
		"metadata": map[string]any{"namespace": "cilium-secrets", "name": "intercept-github"},
		"status":   map[string]any{"conditions": []any{map[string]any{"type": "Ready", "status": "False", "message": "Issuing"}}},
	}}
	dyn := dynamicfake.NewSimpleDynamicClientWithCustomListKinds(runtime.NewScheme(),
		map[schema.GroupVersionResource]string{resources.Certificates(): "CertificateList"}, cert)
	k := &fakeKind{exists: true}
	// The doctor reads a recorded state with a data path in place of the
	// fake cluster, whose pods run no agent to exec into.
	recorded := filepath.Join("..", "..", "fixtures", "states", "healthy")
	st := &state{r: r, kind: k, kube: fake.NewClientset(agent), dyn: dyn,
		doctor: func(string) (doctor.Source, error) { return doctor.DumpSource{Dir: recorded}, nil }}

	got, err := collectArtifacts(t.Context(), st)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(got, filepath.Join(dir, "artifacts", "up-")) {
		t.Fatalf("bundle at %q, want under %s", got, filepath.Join(dir, "artifacts"))
	}
	if k.logsDir != filepath.Join(got, "kind") {
		t.Errorf("kind logs exported to %q, want %s", k.logsDir, filepath.Join(got, "kind"))
	}
	for file, want := range map[string]string{
		"certificates.yaml":                  "message: Issuing",
		"pods-kube-system.txt":               "cilium-agent=waiting:CrashLoopBackOff restarts=3",
		"logs/cilium-abcde-cilium-agent.log": "fake logs",
		"doctor/doctor.txt":                  "root cause: none found",
		"doctor/state/datapath/cilium-lk9vd/endpoint-get-1283.out":          `"policy-revision": 12`,
		"doctor/state/datapath/cilium-lk9vd/envoy-admin-config-secrets.out": `"inline_bytes": "W3JlZGFjdGVkXQ=="`, // Envoy's own "[redacted]"
		"doctor/state/datapath/hubble-flows.jsonl":                          `"url":"https://api.github.com/meta"`,
	} {
		b, err := os.ReadFile(filepath.Join(got, file))
		if err != nil || !strings.Contains(string(b), want) {
			t.Errorf("%s: %q, %v; want it to contain %q", file, b, err, want)
		}
	}

	k.exists = false
	if got, err := collectArtifacts(t.Context(), st); got != "" || err != nil {
		t.Errorf("without a cluster: %q, %v; want no bundle", got, err)
	}
}
