package ciliumstate

import (
	"context"
	"fmt"
	"maps"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"

	"github.com/cilium-tls-intercept/sandbox/sandbox/ciliumtls"
	"github.com/cilium-tls-intercept/sandbox/sandbox/resources"
	"github.com/cilium-tls-intercept/sandbox/sandbox/versions"
)

// StandInOperator stands in for Cilium's operator under secret sync, which a
// control plane without Cilium lacks: until ctx ends it copies every secret
// the CiliumNetworkPolicies name (outside secretsNS) into secretsNS, under
// the name and labels Cilium's operator of release v uses
// (ciliumtls.SyncedSecretName, OwningSecret*Label). It does not delete
// copies. It returns at once; errors of a pass are retried on the next.
func StandInOperator(ctx context.Context, kube kubernetes.Interface, dyn dynamic.Interface, v versions.Cilium, secretsNS string) {
	go func() {
		_ = wait.PollUntilContextCancel(ctx, pollInterval, true, func(ctx context.Context) (bool, error) {
			_ = copyPolicySecrets(ctx, kube, dyn, v, secretsNS)
			return false, nil
		})
	}()
}

func copyPolicySecrets(ctx context.Context, kube kubernetes.Interface, dyn dynamic.Interface, v versions.Cilium, secretsNS string) error {
	policies, err := dyn.Resource(resources.CiliumNetworkPolicies()).List(ctx, metav1.ListOptions{})
	if err != nil {
		return err
	}
	for _, p := range policies.Items {
		refs, err := ciliumtls.PolicySecrets(p.Object, true)
		if err != nil {
			return err
		}
		for _, ref := range refs {
			if !ciliumtls.OperatorCopies(secretsNS, ref.Namespace) {
				continue
			}
			if err := copySecret(ctx, kube, v, secretsNS, ref.Namespace, ref.Name); err != nil {
				return err
			}
		}
	}
	return nil
}

func copySecret(ctx context.Context, kube kubernetes.Interface, v versions.Cilium, secretsNS, ns, name string) error {
	src, err := kube.CoreV1().Secrets(ns).Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil // not issued yet
	}
	if err != nil {
		return err
	}
	cp := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: secretsNS, Name: ciliumtls.SyncedSecretName(v, ns, name),
			Labels: map[string]string{ciliumtls.OwningSecretNamespaceLabel: ns, ciliumtls.OwningSecretNameLabel: name}},
		Type: src.Type, Data: maps.Clone(src.Data),
	}
	copies := kube.CoreV1().Secrets(secretsNS)
	cur, err := copies.Get(ctx, cp.Name, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		_, err = copies.Create(ctx, cp, metav1.CreateOptions{})
	case err == nil:
		cur.Data, cur.Labels = cp.Data, cp.Labels
		_, err = copies.Update(ctx, cur, metav1.UpdateOptions{})
	}
	if err != nil {
		return fmt.Errorf("copy %s/%s: %w", ns, name, err)
	}
	return nil
}
