package install

import (
	"context"
	"fmt"
	"sort"
	"time"

	"helm.sh/helm/v3/pkg/action"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/cilium-tls-intercept/sandbox/sandbox/certmanager"
	"github.com/cilium-tls-intercept/sandbox/sandbox/cilium"
	"github.com/cilium-tls-intercept/sandbox/sandbox/ciliumtls"
	"github.com/cilium-tls-intercept/sandbox/sandbox/intercept"
	"github.com/cilium-tls-intercept/sandbox/sandbox/resources"
	"github.com/cilium-tls-intercept/sandbox/sandbox/steps"
)

// certificateNameAnnotation is what cert-manager writes on the Secret of a
// Certificate, naming it.
const certificateNameAnnotation = "cert-manager.io/certificate-name"

// Uninstall removes what Install created, newest first: the chart's release
// and the Secrets its Certificates wrote (the CA key among them), then
// trust-manager and cert-manager when Install installed them. Releases it
// did not install are left, and the Report's Leaves says what stays in the
// cluster and why. Running it again changes nothing.
func Uninstall(ctx context.Context, opts Options) (*Report, error) {
	r, err := newRun(opts)
	if err != nil {
		return nil, err
	}
	stages := []steps.Stage[*run]{
		{{Name: "chart", Run: removeChart}},
		{{Name: "trust-manager", Run: func(ctx context.Context, r *run) (string, bool, error) {
			return r.removeRelease(ctx, certmanager.TrustManagerRelease, certmanager.Namespace)
		}}},
		{{Name: "cert-manager", Run: func(ctx context.Context, r *run) (string, bool, error) {
			return r.removeRelease(ctx, certmanager.CertManagerRelease, certmanager.Namespace)
		}}},
		{{Name: "leftovers", Run: listLeftovers}},
	}
	start := time.Now()
	r.rep.Steps, err = steps.Run(ctx, r, stages, opts.OnStep)
	r.rep.Seconds = steps.Seconds(time.Since(start))
	return r.rep, err
}

// removeChart uninstalls the chart's release, then deletes the Secrets
// cert-manager wrote for its Certificates, which cert-manager leaves behind.
func removeChart(ctx context.Context, r *run) (string, bool, error) {
	sel := intercept.ReleaseSelector(intercept.DefaultReleaseName)
	certs, err := r.c.Dyn.Resource(resources.Certificates()).List(ctx, metav1.ListOptions{LabelSelector: sel})
	if err != nil && !apierrors.IsNotFound(err) {
		return "", false, fmt.Errorf("list certificates %s: %w", sel, err)
	}
	detail, changed, err := r.removeRelease(ctx, intercept.DefaultReleaseName, intercept.DefaultNamespace)
	if err != nil || !changed {
		return detail, changed, err
	}
	deleted := 0
	if certs != nil {
		for i := range certs.Items {
			ok, err := r.deleteCertificateSecret(ctx, &certs.Items[i])
			if err != nil {
				return detail, true, err
			}
			if ok {
				deleted++
			}
		}
	}
	return fmt.Sprintf("%s, %d certificate secrets deleted", detail, deleted), true, nil
}

// deleteCertificateSecret deletes a Certificate's Secret when cert-manager
// wrote it for that Certificate (an existing CA secret is never touched).
func (r *run) deleteCertificateSecret(ctx context.Context, cert *unstructured.Unstructured) (bool, error) {
	name, _, _ := unstructured.NestedString(cert.Object, "spec", "secretName")
	secrets := r.c.Kube.CoreV1().Secrets(cert.GetNamespace())
	s, err := secrets.Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) || (err == nil && s.Annotations[certificateNameAnnotation] != cert.GetName()) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("read secret %s/%s: %w", cert.GetNamespace(), name, err)
	}
	if err := secrets.Delete(ctx, name, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
		return false, fmt.Errorf("delete secret %s/%s: %w", cert.GetNamespace(), name, err)
	}
	return true, nil
}

// removeRelease uninstalls a release Install installed; others are left.
func (r *run) removeRelease(_ context.Context, name, namespace string) (string, bool, error) {
	rel, err := r.lastRelease(namespace, name)
	if err != nil {
		return "", false, err
	}
	switch {
	case rel == nil:
		return "no release " + namespace + "/" + name + ": nothing to remove", false, nil
	case rel.Labels[OwnerLabel] != OwnerValue:
		r.rep.Leaves = append(r.rep.Leaves, fmt.Sprintf("Helm release %s/%s: not installed by sandbox install", namespace, name))
		return "not installed by sandbox install: left", false, nil
	}
	cfg, err := r.c.Helm(namespace)
	if err != nil {
		return "", false, err
	}
	u := action.NewUninstall(cfg)
	u.Timeout = r.opts.Timeout
	if _, err := u.Run(name); err != nil {
		return "", false, fmt.Errorf("uninstall release %s/%s: %w", namespace, name, err)
	}
	return fmt.Sprintf("uninstalled release %s/%s (revision %d)", namespace, name, rel.Version), true, nil
}

// listLeftovers says what the run leaves in the cluster and why, from what
// is there now: the namespaces, the CRDs kept by their charts, the chart's
// objects still present, and Cilium's operator's copies.
func listLeftovers(ctx context.Context, r *run) (string, bool, error) {
	if running, err := cilium.ReadRunning(ctx, r.c.Kube, r.opts.CiliumNamespace); err == nil {
		r.running = running // for the secrets namespace of the copies
	}
	var leaves []string
	for _, ns := range []string{intercept.DefaultNamespace, intercept.WorkloadNamespace, certmanager.Namespace, ciliumtls.SecretsNamespace} {
		n, err := r.c.Kube.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			continue
		}
		if err != nil {
			return "", false, fmt.Errorf("read namespace %s: %w", ns, err)
		}
		leaves = append(leaves, namespaceLeft(n.Name, n.Annotations, string(n.Status.Phase)))
	}
	crds, err := r.keptCRDs(ctx)
	if err != nil {
		return "", false, err
	}
	leaves = append(leaves, crds...)
	objs, err := r.chartLeftovers(ctx)
	if err != nil {
		return "", false, err
	}
	leaves = append(r.rep.Leaves, append(leaves, objs...)...)
	r.rep.Leaves = leaves
	return fmt.Sprintf("%d things left (see leaves)", len(leaves)), false, nil
}

func namespaceLeft(name string, ann map[string]string, phase string) string {
	why := "not made by the chart: left as it is"
	switch {
	case phase == "Terminating":
		why = "being deleted (Terminating) until the objects in it are gone"
	case ann["helm.sh/resource-policy"] == "keep":
		why = "kept by the chart (helm.sh/resource-policy: keep): deleting the secrets namespace under a running Cilium breaks later installs (cilium/cilium#38204)"
	case name == intercept.DefaultNamespace:
		why = "the chart release's namespace: Helm's --create-namespace makes it and never deletes it"
	}
	return fmt.Sprintf("Namespace %s: %s", name, why)
}

// keptCRDs lists cert-manager's and trust-manager's CRDs still there.
func (r *run) keptCRDs(ctx context.Context) ([]string, error) {
	list, err := r.c.Dyn.Resource(resources.CustomResourceDefinitions()).List(ctx, metav1.ListOptions{})
	if err != nil {
		if apierrors.IsNotFound(err) {
			return nil, nil
		}
		return nil, fmt.Errorf("list customresourcedefinitions: %w", err)
	}
	var out []string
	for _, crd := range list.Items {
		group, _, _ := unstructured.NestedString(crd.Object, "spec", "group")
		if group != "cert-manager.io" && group != "acme.cert-manager.io" && group != "trust.cert-manager.io" {
			continue
		}
		why := "not installed by sandbox install"
		if crd.GetAnnotations()["helm.sh/resource-policy"] == "keep" {
			why = "kept by its chart (crds.keep: deleting a CRD deletes every object of it)"
		}
		out = append(out, fmt.Sprintf("CustomResourceDefinition %s: %s", crd.GetName(), why))
	}
	sort.Strings(out)
	return out, nil
}
