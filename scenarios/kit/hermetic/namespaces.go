package hermetic

import (
	"context"
	"fmt"
	"maps"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// StartNamespaces are the namespaces a cluster has before the chart goes in
// (cert-manager's, and the secrets namespace Cilium's chart creates from
// 1.17). Start creates those the chart does not create itself.
var StartNamespaces = []string{CertManagerNamespace, SecretsNamespace}

// startNamespacesOwned returns the StartNamespaces that the interception
// chart or Cilium's chart will create, rendering them (so bad values fail
// before anything starts).
func startNamespacesOwned(ctx context.Context, opts Options, chart ChartOptions) (map[string]bool, error) {
	owned := map[string]bool{}
	if !opts.NoChart {
		ns, err := chartNamespaces(ctx, chart)
		if err != nil {
			return nil, err
		}
		maps.Copy(owned, ns)
	}
	if opts.Cilium != nil {
		ns, err := ciliumNamespaces(ctx, *opts.Cilium)
		if err != nil {
			return nil, err
		}
		maps.Copy(owned, ns)
	}
	return owned, nil
}

// createNamespaces creates names except those in skip, keeping existing ones.
func (c *ControlPlane) createNamespaces(ctx context.Context, skip map[string]bool) error {
	cs, err := kubernetes.NewForConfig(c.Config)
	if err != nil {
		return err
	}
	for _, name := range StartNamespaces {
		if skip[name] {
			continue
		}
		ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
		_, err := cs.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{})
		if err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("create namespace %s: %w", name, err)
		}
	}
	return nil
}
