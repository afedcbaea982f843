package install

import (
	"context"
	"fmt"
	"sort"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/cilium-tls-intercept/sandbox/sandbox/ciliumtls"
	"github.com/cilium-tls-intercept/sandbox/sandbox/resources"
)

// bundleLabel is what trust-manager puts on the ConfigMaps and Secrets it
// writes for a Bundle, naming it (trust-manager's BundleLabelKey).
const bundleLabel = "trust.cert-manager.io/bundle"

// chartLeftovers finds what outlives the chart's objects: trust-manager's
// targets of Bundles that are gone and CertificateRequests of Certificates
// that are gone (the garbage collector removes both through their owner
// references), and Cilium's operator's copies of secrets that are gone.
func (r *run) chartLeftovers(ctx context.Context) ([]string, error) {
	var out []string
	targets, err := r.bundleTargets(ctx)
	if err != nil {
		return nil, err
	}
	out = append(out, targets...)
	reqs, err := r.orphanRequests(ctx)
	if err != nil {
		return nil, err
	}
	out = append(out, reqs...)
	copies, err := r.orphanCopies(ctx)
	if err != nil {
		return nil, err
	}
	sort.Strings(out)
	return append(out, copies...), nil
}

func (r *run) bundleTargets(ctx context.Context) ([]string, error) {
	var out []string
	gone := func(name string) (bool, error) {
		_, err := r.c.Dyn.Resource(resources.Bundles()).Get(ctx, name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return true, nil
		}
		return false, err
	}
	add := func(kind, ns, name, bundle string) error {
		g, err := gone(bundle)
		if err != nil || !g {
			return err
		}
		out = append(out, fmt.Sprintf("%s %s/%s: written by Bundle %s, which is gone; the garbage collector removes it", kind, ns, name, bundle))
		return nil
	}
	secrets, err := r.c.Kube.CoreV1().Secrets("").List(ctx, metav1.ListOptions{LabelSelector: bundleLabel})
	if err != nil {
		return nil, fmt.Errorf("list secrets %s: %w", bundleLabel, err)
	}
	for _, s := range secrets.Items {
		if err := add("Secret", s.Namespace, s.Name, s.Labels[bundleLabel]); err != nil {
			return nil, err
		}
	}
	cms, err := r.c.Kube.CoreV1().ConfigMaps("").List(ctx, metav1.ListOptions{LabelSelector: bundleLabel})
	if err != nil {
		return nil, fmt.Errorf("list configmaps %s: %w", bundleLabel, err)
	}
	for _, c := range cms.Items {
		if err := add("ConfigMap", c.Namespace, c.Name, c.Labels[bundleLabel]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (r *run) orphanRequests(ctx context.Context) ([]string, error) {
	list, err := r.c.Dyn.Resource(resources.CertificateRequests()).List(ctx, metav1.ListOptions{})
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list certificaterequests: %w", err)
	}
	var out []string
	for _, cr := range list.Items {
		for _, ref := range cr.GetOwnerReferences() {
			if ref.Kind != "Certificate" {
				continue
			}
			_, err := r.c.Dyn.Resource(resources.Certificates()).Namespace(cr.GetNamespace()).Get(ctx, ref.Name, metav1.GetOptions{})
			if apierrors.IsNotFound(err) {
				out = append(out, fmt.Sprintf("CertificateRequest %s/%s: of Certificate %s, which is gone; the garbage collector removes it", cr.GetNamespace(), cr.GetName(), ref.Name))
			} else if err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// orphanCopies lists the operator's copies in the secrets namespace whose
// source secret is gone (ciliumtls.CopyCleanup).
func (r *run) orphanCopies(ctx context.Context) ([]string, error) {
	ns := ciliumtls.SecretsNamespace
	if r.running != nil && r.running.Secrets().Namespace != "" {
		ns = r.running.Secrets().Namespace
	}
	list, err := r.c.Kube.CoreV1().Secrets(ns).List(ctx, metav1.ListOptions{LabelSelector: ciliumtls.OwningSecretNameLabel})
	if err != nil {
		return nil, fmt.Errorf("list secrets in %s: %w", ns, err)
	}
	var out []string
	for _, s := range list.Items {
		srcNS, src := ciliumtls.CopyOf(s.Labels)
		_, err := r.c.Kube.CoreV1().Secrets(srcNS).Get(ctx, src, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			out = append(out, fmt.Sprintf("Secret %s/%s: the copy of %s/%s, which is gone (%s)", ns, s.Name, srcNS, src, ciliumtls.CopyCleanup))
		} else if err != nil {
			return nil, err
		}
	}
	return out, nil
}
