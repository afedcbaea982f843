package intercept

import (
	"context"
	"fmt"
	"sort"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"

	"github.com/cilium-tls-intercept/sandbox/sandbox/ciliumtls"
	"github.com/cilium-tls-intercept/sandbox/sandbox/cluster"
	"github.com/cilium-tls-intercept/sandbox/sandbox/resources"
)

// ReleaseSelector selects every object of the chart's release name: the
// chart labels each with app.kubernetes.io/instance.
func ReleaseSelector(name string) string { return "app.kubernetes.io/instance=" + name }

// WaitCertificates waits until every Certificate the label selector picks,
// in any namespace, is Ready. A timeout names those still not Ready and
// their Ready condition's message.
func WaitCertificates(ctx context.Context, dyn dynamic.Interface, selector string, timeout time.Duration) error {
	return waitObjects(ctx, dyn, resources.Certificates(), selector, timeout, CertificateNotReady)
}

// waitObjects waits until notReady returns "" for every object of gvr the
// selector picks; on timeout or cancellation the error wraps
// cluster.ErrNotReady and holds what notReady said last.
func waitObjects(ctx context.Context, dyn dynamic.Interface, gvr schema.GroupVersionResource, selector string, timeout time.Duration,
	notReady func(*unstructured.Unstructured) string) error {
	var pending []string
	err := wait.PollUntilContextTimeout(ctx, cluster.PollInterval, timeout, true, func(ctx context.Context) (bool, error) {
		pending = pending[:0]
		list, err := dyn.Resource(gvr).List(ctx, metav1.ListOptions{LabelSelector: selector})
		if err != nil {
			return false, fmt.Errorf("list %s %s: %w", gvr.Resource, selector, err)
		}
		for i := range list.Items {
			if reason := notReady(&list.Items[i]); reason != "" {
				pending = append(pending, reason)
			}
		}
		return len(pending) == 0, nil
	})
	if err != nil && len(pending) > 0 {
		if ctx.Err() != nil { // interrupted, not timed out
			return fmt.Errorf("%s: %w; still %w: %v", gvr.Resource, ctx.Err(), cluster.ErrNotReady, pending)
		}
		return fmt.Errorf("%s: %w after %s: %v", gvr.Resource, cluster.ErrNotReady, timeout, pending)
	}
	return err
}

// CertificateNotReady returns "" for a Ready Certificate, else its name and
// the Ready condition's message.
func CertificateNotReady(c *unstructured.Unstructured) string {
	conds, _, _ := unstructured.NestedSlice(c.Object, "status", "conditions")
	for _, raw := range conds {
		cond, _ := raw.(map[string]any)
		if cond["type"] == "Ready" {
			if cond["status"] == "True" {
				return ""
			}
			return fmt.Sprintf("%s/%s: %v", c.GetNamespace(), c.GetName(), cond["message"])
		}
	}
	return fmt.Sprintf("%s/%s: no Ready condition yet", c.GetNamespace(), c.GetName())
}

// SyncInput says whose policy secrets WaitSyncedSecrets waits for.
type SyncInput struct {
	Kube kubernetes.Interface
	Dyn  dynamic.Interface
	// Selector picks the policies (ReleaseSelector of the chart's release).
	Selector string
	// CiliumNamespace is where cilium-config is.
	CiliumNamespace string
	Timeout         time.Duration
}

// WaitSyncedSecrets waits, when cilium-config turns on secret sync (Cilium
// 1.17+), until Cilium's operator has copied every TLS secret the selected
// policies name into the secrets namespace: the agent gives Envoy only the
// copy's name, so until it exists handshakes fail. It returns what it saw
// for a step's detail, "" without secret sync.
func WaitSyncedSecrets(ctx context.Context, in SyncInput) (string, error) {
	secretsNS, err := syncedSecretsNamespace(ctx, in)
	if err != nil || secretsNS == "" {
		return "", err
	}
	var missing, copies []string
	err = wait.PollUntilContextTimeout(ctx, cluster.PollInterval, in.Timeout, true, func(ctx context.Context) (bool, error) {
		var listErr error
		missing, copies, listErr = unsyncedSecrets(ctx, in, secretsNS)
		return listErr == nil && len(missing) == 0, listErr
	})
	if err != nil && len(missing) > 0 {
		what := fmt.Sprintf("Cilium's operator has not copied %v into %s (copies there: %v); see kubectl -n %s logs deploy/%s",
			missing, secretsNS, copies, in.CiliumNamespace, ciliumtls.OperatorDeployment)
		if ctx.Err() != nil { // interrupted, not timed out
			return "", fmt.Errorf("synced secrets: %w; still %w: %s", ctx.Err(), cluster.ErrNotReady, what)
		}
		return "", fmt.Errorf("synced secrets: %w after %s: %s", cluster.ErrNotReady, in.Timeout, what)
	}
	if err != nil {
		return "", err
	}
	return "policy secrets copied into " + secretsNS + ", ", nil
}

// syncedSecretsNamespace returns the secrets namespace when cilium-config
// turns on read-only mode with secret sync, else "".
func syncedSecretsNamespace(ctx context.Context, in SyncInput) (string, error) {
	cm, err := in.Kube.CoreV1().ConfigMaps(in.CiliumNamespace).Get(ctx, ciliumtls.ConfigMapName, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read %s: %w", ciliumtls.ConfigMapName, err)
	}
	if c := ciliumtls.ConfigFrom(cm.Data); c.Sync {
		return c.Namespace, nil
	}
	return "", nil
}

// unsyncedSecrets lists the secrets the selected policies name that
// Cilium's operator copies into secretsNS (ciliumtls.OperatorCopies) and
// that have no copy there yet, and the copies there.
func unsyncedSecrets(ctx context.Context, in SyncInput, secretsNS string) (missing, copies []string, err error) {
	policies, err := in.Dyn.Resource(resources.CiliumNetworkPolicies()).List(ctx, metav1.ListOptions{LabelSelector: in.Selector})
	if err != nil {
		return nil, nil, fmt.Errorf("list ciliumnetworkpolicies %s: %w", in.Selector, err)
	}
	synced, err := in.Kube.CoreV1().Secrets(secretsNS).List(ctx, metav1.ListOptions{LabelSelector: ciliumtls.OwningSecretNameLabel})
	if err != nil {
		return nil, nil, fmt.Errorf("list secrets in %s: %w", secretsNS, err)
	}
	have := map[string]bool{}
	for _, s := range synced.Items {
		ns, name := ciliumtls.CopyOf(s.Labels)
		have[ns+"/"+name] = true
		copies = append(copies, s.Name)
	}
	seen := map[string]bool{}
	for i := range policies.Items {
		refs, err := ciliumtls.PolicySecrets(policies.Items[i].Object, true)
		if err != nil {
			return nil, nil, err
		}
		for _, ref := range refs {
			if ciliumtls.OperatorCopies(secretsNS, ref.Namespace) && !have[ref.String()] && !seen[ref.String()] {
				seen[ref.String()] = true
				missing = append(missing, ref.String())
			}
		}
	}
	sort.Strings(missing)
	return missing, copies, nil
}

// WaitBundles waits until every trust-manager Bundle the label selector
// picks has written its targets (condition Synced True): the upstream trust
// Secret the policies' originatingTLS reads and the CA bundle for clients.
// A timeout names the Bundles not synced and trust-manager's reason, which
// says when it may not write a target.
func WaitBundles(ctx context.Context, dyn dynamic.Interface, selector string, timeout time.Duration) error {
	return waitObjects(ctx, dyn, resources.Bundles(), selector, timeout, func(o *unstructured.Unstructured) string {
		return conditionNotTrue(o, "Synced")
	})
}

// conditionNotTrue returns "" when the object's condition of type is True,
// else its name and the condition's reason and message.
func conditionNotTrue(o *unstructured.Unstructured, typ string) string {
	conds, _, _ := unstructured.NestedSlice(o.Object, "status", "conditions")
	for _, raw := range conds {
		cond, _ := raw.(map[string]any)
		if cond["type"] == typ {
			if cond["status"] == "True" {
				return ""
			}
			return fmt.Sprintf("%s: %v: %v", o.GetName(), cond["reason"], cond["message"])
		}
	}
	return fmt.Sprintf("%s: no %s condition yet", o.GetName(), typ)
}
