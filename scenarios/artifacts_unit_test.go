package scenarios

import (
	"context"
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
)

// TestCollect writes artifacts from fake clients: secrets by keys only,
// resources as YAML, agent logs; the steps that need a real cluster
// (doctor, Hubble) report errors without stopping the others.
func TestCollect(t *testing.T) {
	cs := fake.NewClientset(
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "cilium-secrets", Name: "intercept-github-tls"},
			Data: map[string][]byte{"tls.key": []byte("PRIVATE-KEY-VALUE"), "tls.crt": []byte("c")}},
		&corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "kube-system", Name: "cilium-abc", Labels: map[string]string{"k8s-app": "cilium"}}},
	)
	cnp := &unstructured.Unstructured{}
	cnp.SetAPIVersion("cilium.io/v2")
	cnp.SetKind("CiliumNetworkPolicy")
	cnp.SetNamespace("intercept-workload")
	cnp.SetName("intercept-tls-github")
	lists := map[schema.GroupVersionResource]string{}
	for _, r := range artifactResources() {
		lists[r.gvr] = strings.TrimSuffix(strings.ToUpper(r.name[:1])+r.name[1:], "s") + "List"
	}
	dyn := dynamicfake.NewSimpleDynamicClientWithCustomListKinds(runtime.NewScheme(), lists, cnp)
	s := &suiteState{opts: runOptions{provider: providerExisting}, cs: cs, dyn: dyn}
	dir := t.TempDir()
	errs := s.collect(context.Background(), dir)

	secrets, err := os.ReadFile(filepath.Join(dir, "secrets.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(secrets), "cilium-secrets/intercept-github-tls") || strings.Contains(string(secrets), "PRIVATE-KEY-VALUE") {
		t.Errorf("secrets.txt:\n%s", secrets)
	}
	policies, err := os.ReadFile(filepath.Join(dir, "resources-ciliumnetworkpolicies.yaml"))
	if err != nil || !strings.Contains(string(policies), "name: intercept-tls-github") {
		t.Errorf("resources-ciliumnetworkpolicies.yaml (%v):\n%s", err, policies)
	}
	if _, err := os.Stat(filepath.Join(dir, "logs-cilium-abc.txt")); err != nil {
		t.Errorf("agent log: %v", err)
	}
	var failed []string
	for _, e := range errs {
		failed = append(failed, strings.SplitN(e.Error(), ":", 2)[0])
	}
	if strings.Join(failed, ",") != "doctor,hubble flows" {
		t.Errorf("failed steps %v, want doctor and hubble flows (no live cluster)", failed)
	}
}
