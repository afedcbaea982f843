package scenarios

import (
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"

	"github.com/cilium-tls-intercept/sandbox/sandbox/intercept"
	"github.com/cilium-tls-intercept/sandbox/sandbox/resources"
)

// scratch is a namespace of one failure scenario: a copy of the chart's
// workload policies with their TLS secrets moved. What it creates is
// deleted when the test ends (the namespace stays Terminating: no
// namespace controller runs here).
type scratch struct {
	a  *agentTier
	t  *testing.T
	ns string
}

// newScratch creates namespace ns with a copy of the chart's DNS policy.
func (a *agentTier) newScratch(ctx context.Context, t *testing.T, ns string) *scratch {
	t.Helper()
	obj := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}
	if _, err := a.h.kube.CoreV1().Namespaces().Create(ctx, obj, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = a.h.kube.CoreV1().Namespaces().Delete(context.WithoutCancel(ctx), ns, metav1.DeleteOptions{})
	})
	s := &scratch{a: a, t: t, ns: ns}
	s.policy(ctx, intercept.DNSPolicyName, types.NamespacedName{}, types.NamespacedName{})
	return s
}

// secret creates a copy of the github group's leaf secret as at, keeping
// only keys (all when empty).
func (s *scratch) leaf(ctx context.Context, at types.NamespacedName, keys ...string) {
	s.t.Helper()
	src, err := s.a.h.kube.CoreV1().Secrets(s.a.h.tlsNS).Get(ctx, intercept.SecretName(githubGroup), metav1.GetOptions{})
	if err != nil {
		s.t.Fatal(err)
	}
	sec := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: at.Namespace, Name: at.Name}, Type: src.Type, Data: src.Data}
	if len(keys) > 0 {
		sec.Type, sec.Data = corev1.SecretTypeOpaque, map[string][]byte{} // kubernetes.io/tls needs both tls.* keys
		for _, k := range keys {
			sec.Data[k] = src.Data[k]
		}
	}
	s.create(ctx, sec)
}

// create creates sec and deletes it when the test ends.
func (s *scratch) create(ctx context.Context, sec *corev1.Secret) {
	s.t.Helper()
	secrets := s.a.h.kube.CoreV1().Secrets(sec.Namespace)
	if _, err := secrets.Create(ctx, sec, metav1.CreateOptions{}); err != nil {
		s.t.Fatal(err)
	}
	s.t.Cleanup(func() { _ = secrets.Delete(context.WithoutCancel(ctx), sec.Name, metav1.DeleteOptions{}) })
}

// policy creates, in the scratch namespace, a copy of the chart's workload
// policy from, its terminatingTLS and originatingTLS secrets replaced by
// term and orig (kept when empty).
func (s *scratch) policy(ctx context.Context, from string, term, orig types.NamespacedName) {
	s.t.Helper()
	p, err := s.a.h.dyn.Resource(resources.CiliumNetworkPolicies()).Namespace(intercept.WorkloadNamespace).Get(ctx, from, metav1.GetOptions{})
	if err != nil {
		s.t.Fatal(err)
	}
	cp := &unstructured.Unstructured{Object: map[string]any{"apiVersion": p.GetAPIVersion(), "kind": p.GetKind()}}
	cp.SetName(from)
	cp.SetNamespace(s.ns)
	for _, key := range []string{"spec", "specs"} {
		if v, ok := p.Object[key]; ok {
			cp.Object[key] = retarget(runtime.DeepCopyJSONValue(v), term, orig)
		}
	}
	dst := s.a.h.dyn.Resource(resources.CiliumNetworkPolicies()).Namespace(s.ns)
	if _, err := dst.Create(ctx, cp, metav1.CreateOptions{}); err != nil {
		s.t.Fatal(err)
	}
	s.t.Cleanup(func() { _ = dst.Delete(context.WithoutCancel(ctx), from, metav1.DeleteOptions{}) })
}

// retarget points the TLS contexts of every port rule in a policy's spec
// (or list of specs) at term and orig.
func retarget(v any, term, orig types.NamespacedName) any {
	switch t := v.(type) {
	case []any:
		for i := range t {
			t[i] = retarget(t[i], term, orig)
		}
	case map[string]any:
		for key, at := range map[string]types.NamespacedName{"terminatingTLS": term, "originatingTLS": orig} {
			if ctx, ok := t[key].(map[string]any); ok && at.Name != "" {
				ctx["secret"] = map[string]any{"namespace": at.Namespace, "name": at.Name}
			}
		}
		for k, x := range t {
			t[k] = retarget(x, term, orig)
		}
	}
	return v
}
