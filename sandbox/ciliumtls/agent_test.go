package ciliumtls

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"

	"github.com/cilium-tls-intercept/sandbox/sandbox/versions"
)

func TestAgentMayGetSecrets(t *testing.T) {
	cases := []struct {
		name  string
		rules []rbacv1.PolicyRule
		want  bool
	}{
		{"k8s backend", []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"pods", "secrets"}, Verbs: []string{"get", "list", "watch"}}}, true},
		{"local backend", []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"pods", "nodes"}, Verbs: []string{"get", "list", "watch"}}}, false},
		{"named secrets only", []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"secrets"}, ResourceNames: []string{"x"}, Verbs: []string{"get"}}}, false},
		{"wildcards", []rbacv1.PolicyRule{{APIGroups: []string{"*"}, Resources: []string{"*"}, Verbs: []string{"*"}}}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := AgentMayGetSecrets(c.rules); got != c.want {
				t.Fatalf("AgentMayGetSecrets = %t, want %t", got, c.want)
			}
		})
	}
}

func TestAgentImage(t *testing.T) {
	spec := corev1.PodSpec{Containers: []corev1.Container{{Name: "sidecar", Image: "busybox"}, {Name: AgentContainer, Image: "quay.io/cilium/cilium:v1.18.10"}}}
	if got := AgentImage(spec); got != "quay.io/cilium/cilium:v1.18.10" {
		t.Errorf("AgentImage = %q, want the cilium-agent container's", got)
	}
	if got := AgentImage(corev1.PodSpec{Containers: []corev1.Container{{Name: "agent", Image: "x:v1"}}}); got != "x:v1" {
		t.Errorf("AgentImage without a cilium-agent container = %q, want the first container's", got)
	}
}

func TestUpgradeCommand(t *testing.T) {
	got := UpgradeCommand("", "kube-system", versions.MustParseCilium("1.18.10"), "l7Proxy=true", "hubble.enabled=true")
	want := "helm upgrade cilium cilium/cilium --version 1.18.10 -n kube-system --reuse-values --set l7Proxy=true --set hubble.enabled=true"
	if got != want {
		t.Errorf("UpgradeCommand = %q, want %q", got, want)
	}
	if got := UpgradeCommand("cni", "cilium", versions.Cilium{}, "l7Proxy=true"); got != "helm upgrade cni cilium/cilium -n cilium --reuse-values --set l7Proxy=true" {
		t.Errorf("UpgradeCommand without a version = %q", got)
	}
	if got := RestartCommand("kube-system"); got != "kubectl -n kube-system rollout restart ds/cilium deploy/cilium-operator" {
		t.Errorf("RestartCommand = %q", got)
	}
}
