package scenarios

import (
	"context"
	"crypto"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	cmapi "github.com/cert-manager/cert-manager/pkg/apis/certmanager/v1"
	cmmeta "github.com/cert-manager/cert-manager/pkg/apis/meta/v1"
	cmclient "github.com/cert-manager/cert-manager/pkg/client/clientset/versioned"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"

	"github.com/cilium-tls-intercept/sandbox/sandbox/intercept"
	"github.com/cilium-tls-intercept/sandbox/sandbox/resources"
	"github.com/cilium-tls-intercept/sandbox/sandbox/versions"
	"github.com/cilium-tls-intercept/sandbox/scenarios/kit/hermetic"
)

// hermeticCluster holds the clients of a hermetic control plane.
type hermeticCluster struct {
	cp   *hermetic.ControlPlane
	kube kubernetes.Interface
	cm   cmclient.Interface
	dyn  dynamic.Interface
	// cilium is the release the chart was rendered for.
	cilium versions.Cilium
	// tlsNS is where the chart writes the policies' TLS secrets and the
	// upstream trust secret for that release (intercept.TLSSecretsNamespace).
	tlsNS string
}

func newHermeticCluster(cp *hermetic.ControlPlane, cilium versions.Cilium) (*hermeticCluster, error) {
	kube, err := kubernetes.NewForConfig(cp.Config)
	if err != nil {
		return nil, err
	}
	cm, err := cmclient.NewForConfig(cp.Config)
	if err != nil {
		return nil, err
	}
	dyn, err := dynamic.NewForConfig(cp.Config)
	if err != nil {
		return nil, err
	}
	return &hermeticCluster{cp: cp, kube: kube, cm: cm, dyn: dyn,
		cilium: cilium, tlsNS: intercept.TLSSecretsNamespace(cilium)}, nil
}

// describeConditions renders conditions for a timeout message.
func describeConditions(conds []cmapi.CertificateCondition) string {
	var parts []string
	for _, c := range conds {
		parts = append(parts, fmt.Sprintf("%s=%s (%s: %s)", c.Type, c.Status, c.Reason, c.Message))
	}
	return strings.Join(parts, "; ")
}

// waitCertificateReady waits for a Certificate to be Ready at revision >=
// minRevision; a timeout names the conditions last seen.
func (h *hermeticCluster) waitCertificateReady(ctx context.Context, ns, name string, minRevision int) (*cmapi.Certificate, error) {
	var last *cmapi.Certificate
	err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 60*time.Second, true, func(ctx context.Context) (bool, error) {
		c, err := h.cm.CertmanagerV1().Certificates(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, nil // not created yet
		}
		last = c
		rev := 0
		if c.Status.Revision != nil {
			rev = *c.Status.Revision
		}
		for _, cond := range c.Status.Conditions {
			if cond.Type == cmapi.CertificateConditionReady && cond.Status == cmmeta.ConditionTrue &&
				cond.ObservedGeneration == c.Generation && rev >= minRevision {
				return true, nil
			}
		}
		return false, nil
	})
	if err != nil {
		if last == nil {
			return nil, fmt.Errorf("certificate %s/%s never appeared: %w", ns, name, err)
		}
		return nil, fmt.Errorf("certificate %s/%s not Ready at revision %d: %w; conditions: %s",
			ns, name, minRevision, err, describeConditions(last.Status.Conditions))
	}
	return last, nil
}

// waitClusterIssuerReady waits for a ClusterIssuer's Ready condition.
func (h *hermeticCluster) waitClusterIssuerReady(ctx context.Context, name string) error {
	var seen string
	err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 60*time.Second, true, func(ctx context.Context) (bool, error) {
		ci, err := h.cm.CertmanagerV1().ClusterIssuers().Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			seen = err.Error()
			return false, nil
		}
		seen = ""
		for _, c := range ci.Status.Conditions {
			seen += fmt.Sprintf("%s=%s (%s: %s) ", c.Type, c.Status, c.Reason, c.Message)
			if c.Type == cmapi.IssuerConditionReady && c.Status == cmmeta.ConditionTrue {
				return true, nil
			}
		}
		return false, nil
	})
	if err != nil {
		return fmt.Errorf("cluster issuer %s not Ready: %w; seen: %s", name, err, seen)
	}
	return nil
}

// secretCert reads a TLS secret and parses its tls.crt.
func (h *hermeticCluster) secretCert(ctx context.Context, ns, name string) (*x509.Certificate, *corev1.Secret, error) {
	s, err := h.kube.CoreV1().Secrets(ns).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return nil, nil, err
	}
	cert, err := parseCert(s.Data["tls.crt"])
	if err != nil {
		return nil, s, fmt.Errorf("secret %s/%s tls.crt: %w", ns, name, err)
	}
	return cert, s, nil
}

// sandboxCA returns the default release's CA certificate and key.
func (h *hermeticCluster) sandboxCA(ctx context.Context) (*x509.Certificate, crypto.Signer, error) {
	return h.caNamed(ctx, intercept.CAIssuer)
}

// caNamed returns the CA certificate and key cert-manager issued into the
// secret name of cert-manager's namespace.
func (h *hermeticCluster) caNamed(ctx context.Context, name string) (*x509.Certificate, crypto.Signer, error) {
	cert, s, err := h.secretCert(ctx, hermetic.CertManagerNamespace, name)
	if err != nil {
		return nil, nil, err
	}
	key, err := parseKey(s.Data["tls.key"])
	if err != nil {
		return nil, nil, fmt.Errorf("CA key: %w", err)
	}
	return cert, key, nil
}

// tlsPolicy is what a terminating policy asks of its secret.
type tlsPolicy struct {
	Policy string
	Secret struct{ Namespace, Name string }
	// Names are the toFQDNs names and patterns and the serverNames.
	Names []string
}

// cnpSpec is the part of a CiliumNetworkPolicy the checks read.
type cnpSpec struct {
	Egress []struct {
		ToFQDNs []struct {
			MatchName    string `json:"matchName"`
			MatchPattern string `json:"matchPattern"`
		} `json:"toFQDNs"`
		ToPorts []struct {
			TerminatingTLS *struct {
				Secret struct{ Namespace, Name string } `json:"secret"`
			} `json:"terminatingTLS"`
			ServerNames []string `json:"serverNames"`
		} `json:"toPorts"`
	} `json:"egress"`
}

// tlsPolicies lists the terminating contexts of the policies in ns.
func (h *hermeticCluster) tlsPolicies(ctx context.Context, ns string) ([]tlsPolicy, int, error) {
	list, err := h.dyn.Resource(resources.CiliumNetworkPolicies()).Namespace(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, 0, err
	}
	var out []tlsPolicy
	for _, item := range list.Items {
		raw, err := json.Marshal(item.Object["spec"])
		if err != nil {
			return nil, 0, err
		}
		var spec cnpSpec
		if err := json.Unmarshal(raw, &spec); err != nil {
			return nil, 0, fmt.Errorf("policy %s: %w", item.GetName(), err)
		}
		for _, eg := range spec.Egress {
			var names []string
			for _, f := range eg.ToFQDNs {
				names = append(names, f.MatchName+f.MatchPattern)
			}
			for _, tp := range eg.ToPorts {
				if tp.TerminatingTLS == nil {
					continue
				}
				p := tlsPolicy{Policy: item.GetName(), Names: append(append([]string{}, names...), tp.ServerNames...)}
				p.Secret = tp.TerminatingTLS.Secret
				out = append(out, p)
			}
		}
	}
	return out, len(list.Items), nil
}
