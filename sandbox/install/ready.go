package install

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/cilium-tls-intercept/sandbox/sandbox/cluster"
	"github.com/cilium-tls-intercept/sandbox/sandbox/intercept"
)

// waitReady waits as up does: the chart's Certificates Ready, the CA really
// name-constrained (proof that cert-manager's controller has the gate), the
// trust Bundles synced (proof that trust-manager may write them), Cilium's
// operator's copies of the policy secrets under secret sync, and the test
// workload rolled out when the chart has one.
func waitReady(ctx context.Context, r *run) (string, bool, error) {
	sel := intercept.ReleaseSelector(intercept.DefaultReleaseName)
	t := r.opts.Timeout
	if err := intercept.WaitCertificates(ctx, r.c.Dyn, sel, t); err != nil {
		return "", false, err
	}
	detail := "certificates issued, "
	if ca := caCertificate(r.objs); ca != nil && nameConstrained(r.objs) {
		if err := r.checkCAConstraints(ctx, ca); err != nil {
			return "", false, err
		}
		detail += "CA name-constrained, "
	}
	if err := intercept.WaitBundles(ctx, r.c.Dyn, sel, t); err != nil {
		return "", false, fmt.Errorf("%w (trust-manager writes the upstream trust and the CA bundle)", err)
	}
	synced, err := intercept.WaitSyncedSecrets(ctx, intercept.SyncInput{Kube: r.c.Kube, Dyn: r.c.Dyn, Selector: sel,
		CiliumNamespace: r.opts.CiliumNamespace, Timeout: t})
	if err != nil {
		return "", false, err
	}
	detail += "bundles synced, " + synced
	for _, o := range r.objs {
		if o.GetKind() != "Deployment" {
			continue
		}
		w := cluster.Workload{Kind: cluster.Deployment, Namespace: o.GetNamespace(), Name: o.GetName()}
		if err := cluster.WaitRollout(ctx, r.c.Kube, t, w); err != nil {
			return "", false, fmt.Errorf("workload: %w", err)
		}
		detail += w.String() + " ready, "
	}
	return detail[:len(detail)-2], false, nil
}

// caCertificate returns the rendered CA Certificate (isCA), nil when the
// chart uses an existing CA.
func caCertificate(objs []*unstructured.Unstructured) *unstructured.Unstructured {
	for _, o := range objs {
		if isCA, _, _ := unstructured.NestedBool(o.Object, "spec", "isCA"); isCA && o.GetKind() == "Certificate" {
			return o
		}
	}
	return nil
}

// checkCAConstraints reads the issued CA and fails when it carries no
// permitted DNS domains: cert-manager's controller then runs without the
// NameConstraints gate, and the CA could sign for any name.
func (r *run) checkCAConstraints(ctx context.Context, ca *unstructured.Unstructured) error {
	secret, _, _ := unstructured.NestedString(ca.Object, "spec", "secretName")
	s, err := r.c.Kube.CoreV1().Secrets(ca.GetNamespace()).Get(ctx, secret, metav1.GetOptions{})
	if err != nil {
		return fmt.Errorf("read the CA secret %s/%s: %w", ca.GetNamespace(), secret, err)
	}
	block, _ := pem.Decode(s.Data["tls.crt"])
	if block == nil {
		return fmt.Errorf("the CA secret %s/%s holds no PEM certificate in tls.crt", ca.GetNamespace(), secret)
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return fmt.Errorf("the CA secret %s/%s: %w", ca.GetNamespace(), secret, err)
	}
	if len(cert.PermittedDNSDomains) == 0 {
		return fmt.Errorf("cert-manager issued the CA %s/%s without its name constraints: its controller runs without the NameConstraints feature gate (set featureGates=NameConstraints=true on cert-manager, or install with --set ca.nameConstraints.enabled=false)",
			ca.GetNamespace(), secret)
	}
	return nil
}
