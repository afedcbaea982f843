package scenarios

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	cmapi "github.com/cert-manager/cert-manager/pkg/apis/certmanager/v1"
	cmmeta "github.com/cert-manager/cert-manager/pkg/apis/meta/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/e2e-framework/pkg/features"

	"github.com/cilium-tls-intercept/sandbox/sandbox/intercept"
	"github.com/cilium-tls-intercept/sandbox/sandbox/resources"
	"github.com/cilium-tls-intercept/sandbox/sandbox/scenario"
	"github.com/cilium-tls-intercept/sandbox/scenarios/kit/hermetic"
	"github.com/cilium-tls-intercept/sandbox/scenarios/kit/hermetic/assets"
)

// certificateName is the Certificate behind a group's secret.
func certificateName(secret string) string { return strings.TrimSuffix(secret, "-tls") }

func (h *hermeticCluster) featureLeafCertificates() features.Feature {
	return hermeticFeature("leaf certificates chain to the CA and cover their policy's names", scenario.WildcardGroups).
		Assess("every terminating policy's secret verifies for each of its names", timed(func(ctx context.Context, t *testing.T) {
			h.assertLeavesCoverPolicies(ctx, t, intercept.WorkloadNamespace, intercept.CAIssuer, 3)
		})).
		Assess("the CA's name constraints refuse a name outside the intercepted domains", timed(func(ctx context.Context, t *testing.T) {
			ca, key, err := h.sandboxCA(ctx)
			if err != nil {
				t.Fatal(err)
			}
			good, err := signLeaf(ca, key, "api.github.com")
			if err != nil {
				t.Fatal(err)
			}
			if err := verifyLeaf(good, ca, "api.github.com"); err != nil {
				t.Fatalf("control: a leaf for api.github.com signed with the CA key does not verify: %v", err)
			}
			evil, err := signLeaf(ca, key, "evil.example.com")
			if err != nil {
				t.Fatal(err)
			}
			if err := verifyLeaf(evil, ca, "evil.example.com"); !isNameConstraintError(err) {
				t.Errorf("a leaf for evil.example.com signed with the CA key: err = %v, want a name-constraint refusal", err)
			}
		})).
		Assess("a Certificate for a name outside them is refused or unusable", timed(func(ctx context.Context, t *testing.T) {
			h.assertOutsideNameUnusable(ctx, t, "evil.example.com")
		})).Feature()
}

// assertOutsideNameUnusable asks cert-manager's CA issuer for a certificate
// for host: the request must fail, or the certificate issued must fail
// verification against the CA's name constraints. The Certificate and its
// secret are deleted afterwards.
func (h *hermeticCluster) assertOutsideNameUnusable(ctx context.Context, t *testing.T, host string) {
	t.Helper()
	ns, name := hermetic.SecretsNamespace, "hermetic-outside-name"
	cert := &cmapi.Certificate{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
		Spec: cmapi.CertificateSpec{SecretName: name, DNSNames: []string{host},
			IssuerRef: cmmeta.IssuerReference{Name: intercept.CAIssuer, Kind: "ClusterIssuer", Group: "cert-manager.io"}},
	}
	if _, err := h.cm.CertmanagerV1().Certificates(ns).Create(ctx, cert, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = h.cm.CertmanagerV1().Certificates(ns).Delete(context.Background(), name, metav1.DeleteOptions{})
		_ = h.kube.CoreV1().Secrets(ns).Delete(context.Background(), name, metav1.DeleteOptions{})
	})
	var outcome string
	err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
		c, err := h.cm.CertmanagerV1().Certificates(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, nil
		}
		for _, cond := range c.Status.Conditions {
			switch {
			case cond.Type == cmapi.CertificateConditionReady && cond.Status == cmmeta.ConditionTrue:
				outcome = "issued"
				return true, nil
			case cond.Type == cmapi.CertificateConditionIssuing && cond.Status == cmmeta.ConditionFalse && cond.Reason == "Failed":
				outcome = "refused: " + cond.Message
				return true, nil
			}
		}
		return false, nil
	})
	if err != nil {
		t.Fatalf("certificate for %s neither issued nor refused: %v", host, err)
	}
	t.Logf("cert-manager: %s", outcome)
	if outcome != "issued" {
		return
	}
	ca, _, err := h.sandboxCA(ctx)
	if err != nil {
		t.Fatal(err)
	}
	leaf, _, err := h.secretCert(ctx, ns, name)
	if err != nil {
		t.Fatal(err)
	}
	if err := verifyLeaf(leaf, ca, host); !isNameConstraintError(err) {
		t.Errorf("certificate issued for %s: verification err = %v, want a name-constraint refusal", host, err)
	}
}

// assertLeavesCoverPolicies checks every terminating policy in namespace
// ns: its Certificate Ready, its secret holding tls.crt and tls.key, the
// chain verifying against the CA caName for each of the policy's names.
func (h *hermeticCluster) assertLeavesCoverPolicies(ctx context.Context, t *testing.T, ns, caName string, minPolicies int) {
	t.Helper()
	if _, err := h.waitCertificateReady(ctx, hermetic.CertManagerNamespace, caName, 1); err != nil {
		t.Fatal(err)
	}
	ca, _, err := h.caNamed(ctx, caName)
	if err != nil {
		t.Fatal(err)
	}
	pols, _, err := h.tlsPolicies(ctx, ns)
	if err != nil {
		t.Fatal(err)
	}
	if len(pols) < minPolicies {
		t.Fatalf("terminating policies = %d, want at least %d", len(pols), minPolicies)
	}
	for _, p := range pols {
		if p.Secret.Namespace != h.tlsNS {
			t.Errorf("policy %s: terminating secret %s/%s, want it in %q, where Cilium %s's secrets mode needs it",
				p.Policy, p.Secret.Namespace, p.Secret.Name, h.tlsNS, h.cilium)
			continue
		}
		if _, err := h.waitCertificateReady(ctx, p.Secret.Namespace, certificateName(p.Secret.Name), 1); err != nil {
			t.Errorf("policy %s: %v", p.Policy, err)
			continue
		}
		leaf, s, err := h.secretCert(ctx, p.Secret.Namespace, p.Secret.Name)
		if err != nil {
			t.Errorf("policy %s: %v", p.Policy, err)
			continue
		}
		if len(s.Data["tls.key"]) == 0 {
			t.Errorf("policy %s: secret %s has no tls.key", p.Policy, s.Name)
		}
		for _, name := range p.Names {
			if err := verifyLeaf(leaf, ca, sampleName(name)); err != nil {
				t.Errorf("policy %s name %q: secret %s (SANs %v) does not verify for %q: %v",
					p.Policy, name, s.Name, leaf.DNSNames, sampleName(name), err)
			}
		}
	}
}

func (h *hermeticCluster) featurePoliciesAccepted() features.Feature {
	return hermeticFeature("CiliumNetworkPolicies accepted by the API server with Cilium's CRDs", scenario.Intercept).
		Assess("every rendered policy exists", timed(func(ctx context.Context, t *testing.T) {
			r, err := intercept.Render(ctx, intercept.RenderOptions{KubeVersion: assets.KubernetesVersion})
			if err != nil {
				t.Fatal(err)
			}
			objs, err := r.Objects()
			if err != nil {
				t.Fatal(err)
			}
			for _, o := range objs {
				if o.GetKind() != "CiliumNetworkPolicy" {
					continue
				}
				if _, err := h.dyn.Resource(resources.CiliumNetworkPolicies()).Namespace(o.GetNamespace()).Get(ctx, o.GetName(), metav1.GetOptions{}); err != nil {
					t.Errorf("policy %s/%s: %v", o.GetNamespace(), o.GetName(), err)
				}
			}
		})).
		Assess("a policy with a bad protocol is refused (the schema is enforced)", timed(func(ctx context.Context, t *testing.T) {
			bad := &unstructured.Unstructured{Object: map[string]any{
				"apiVersion": "cilium.io/v2", "kind": "CiliumNetworkPolicy",
				"metadata": map[string]any{"name": "hermetic-bad-protocol"},
				"spec": map[string]any{
					"endpointSelector": map[string]any{},
					"egress": []any{map[string]any{"toPorts": []any{map[string]any{
						"ports": []any{map[string]any{"port": "443", "protocol": "BOGUS"}},
					}}}},
				},
			}}
			_, err := h.dyn.Resource(resources.CiliumNetworkPolicies()).Namespace(intercept.WorkloadNamespace).Create(ctx, bad, metav1.CreateOptions{})
			if !apierrors.IsInvalid(err) {
				t.Errorf("creating a policy with protocol BOGUS: err = %v, want Invalid", err)
			}
		})).
		Assess("a policy with neither spec nor specs is refused (the CRD's CEL rule is enforced)", timed(func(ctx context.Context, t *testing.T) {
			empty := &unstructured.Unstructured{Object: map[string]any{
				"apiVersion": "cilium.io/v2", "kind": "CiliumNetworkPolicy",
				"metadata": map[string]any{"name": "hermetic-no-spec"},
			}}
			_, err := h.dyn.Resource(resources.CiliumNetworkPolicies()).Namespace(intercept.WorkloadNamespace).Create(ctx, empty, metav1.CreateOptions{})
			if !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), "spec or specs must be provided") {
				t.Errorf("creating a policy without spec: err = %v, want Invalid with the CEL message \"spec or specs must be provided\"", err)
			}
		})).Feature()
}

func (h *hermeticCluster) featureSecretKeys() features.Feature {
	return hermeticFeature("secrets hold the keys Cilium reads", scenario.CACrtInSecret).
		Assess("leaf secrets carry tls.crt, tls.key and the CA as ca.crt", timed(func(ctx context.Context, t *testing.T) {
			ca, _, err := h.sandboxCA(ctx)
			if err != nil {
				t.Fatal(err)
			}
			pols, _, err := h.tlsPolicies(ctx, intercept.WorkloadNamespace)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range pols {
				_, s, err := h.secretCert(ctx, p.Secret.Namespace, p.Secret.Name)
				if err != nil {
					t.Fatal(err)
				}
				got, err := parseCert(s.Data["ca.crt"])
				if err != nil || !got.Equal(ca) {
					t.Errorf("secret %s ca.crt is not the sandbox CA (err %v)", s.Name, err)
				}
			}
		})).
		Assess("trust-manager wrote the upstream bundle (ca.crt only) and the workload's CA ConfigMap", timed(func(ctx context.Context, t *testing.T) {
			h.assertTrustTargets(ctx, t)
		})).Feature()
}

// assertTrustTargets waits for trust-manager's two targets.
func (h *hermeticCluster) assertTrustTargets(ctx context.Context, t *testing.T) {
	t.Helper()
	ca, _, err := h.sandboxCA(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var seen string
	err = wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 60*time.Second, true, func(ctx context.Context) (bool, error) {
		s, err := h.kube.CoreV1().Secrets(h.tlsNS).Get(ctx, intercept.UpstreamTrustSecret, metav1.GetOptions{})
		if err != nil {
			seen = err.Error()
			return false, nil
		}
		cm, err := h.kube.CoreV1().ConfigMaps(intercept.WorkloadNamespace).Get(ctx, intercept.CAIssuer, metav1.GetOptions{})
		if err != nil {
			seen = err.Error()
			return false, nil
		}
		seen = ""
		if len(s.Data) != 1 || bytes.Count(s.Data["ca.crt"], []byte("BEGIN CERTIFICATE")) < 10 {
			seen = "upstream trust secret keys/certs: " + strings.Join(keysOf(s.Data), ",")
			return false, nil
		}
		got, err := parseCert([]byte(cm.Data["ca.crt"]))
		if err != nil || !got.Equal(ca) {
			seen = "CA ConfigMap ca.crt is not the sandbox CA"
			return false, nil
		}
		return true, nil
	})
	if err != nil {
		t.Fatalf("trust-manager targets: %v; last seen: %s", err, seen)
	}
}

func keysOf(m map[string][]byte) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
