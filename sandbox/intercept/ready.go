package intercept

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
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
// selector picks. A list that fails with an error retrying may cure
// (cluster.Transient) counts as not ready yet. On timeout or cancellation
// the error wraps cluster.ErrNotReady and holds what notReady said last, or
// the last list error.
func waitObjects(ctx context.Context, dyn dynamic.Interface, gvr schema.GroupVersionResource, selector string, timeout time.Duration,
	notReady func(*unstructured.Unstructured) string) error {
	var pending []string
	err := wait.PollUntilContextTimeout(ctx, cluster.PollInterval, timeout, true, func(ctx context.Context) (bool, error) {
		pending = pending[:0]
		list, err := dyn.Resource(gvr).List(ctx, metav1.ListOptions{LabelSelector: selector})
		if err != nil {
			err = fmt.Errorf("list %s %s: %w", gvr.Resource, selector, err)
			if !cluster.Transient(err) {
				return false, err
			}
			pending = append(pending, err.Error())
			return false, nil
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
// 1.17+), until Cilium's operator holds, in the secrets namespace, a
// current copy of every TLS secret the selected policies name: the agent
// gives Envoy only the copy's name, so until the copy exists handshakes
// fail, and until it holds its source's data (after a renewal, or a new
// upstream trust) Envoy serves or trusts the old one. API errors retrying
// may cure count as not ready yet. It returns what it saw for a step's
// detail, "" without secret sync.
func WaitSyncedSecrets(ctx context.Context, in SyncInput) (string, error) {
	var secretsNS string
	var stale []string // copies missing or not current, or the last error
	err := wait.PollUntilContextTimeout(ctx, cluster.PollInterval, in.Timeout, true, func(ctx context.Context) (bool, error) {
		var err error
		if secretsNS, err = syncedSecretsNamespace(ctx, in); err == nil && secretsNS != "" {
			stale, err = staleCopies(ctx, in, secretsNS)
		}
		if err != nil {
			if !cluster.Transient(err) {
				return false, err
			}
			stale = []string{err.Error()}
			return false, nil
		}
		return len(stale) == 0, nil
	})
	if err != nil && len(stale) > 0 {
		what := fmt.Sprintf("Cilium's operator's copies in %s are not current: %s; see kubectl -n %s logs deploy/%s",
			cmp.Or(secretsNS, "the secrets namespace"), strings.Join(stale, "; "), in.CiliumNamespace, ciliumtls.OperatorDeployment)
		if ctx.Err() != nil { // interrupted, not timed out
			return "", fmt.Errorf("synced secrets: %w; still %w: %s", ctx.Err(), cluster.ErrNotReady, what)
		}
		return "", fmt.Errorf("synced secrets: %w after %s: %s", cluster.ErrNotReady, in.Timeout, what)
	}
	if err != nil || secretsNS == "" {
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

// staleCopies names, for each secret the selected policies name that
// Cilium's operator copies into secretsNS (ciliumtls.OperatorCopies), what
// keeps its copy from being current: no copy yet, no source yet, or a copy
// holding other data than its source.
func staleCopies(ctx context.Context, in SyncInput, secretsNS string) ([]string, error) {
	refs, err := copiedSecrets(ctx, in, secretsNS)
	if err != nil {
		return nil, err
	}
	synced, err := in.Kube.CoreV1().Secrets(secretsNS).List(ctx, metav1.ListOptions{LabelSelector: ciliumtls.OwningSecretNameLabel})
	if err != nil {
		return nil, fmt.Errorf("list secrets in %s: %w", secretsNS, err)
	}
	copies := map[string]*corev1.Secret{}
	for i, s := range synced.Items {
		ns, name := ciliumtls.CopyOf(s.Labels)
		copies[ns+"/"+name] = &synced.Items[i]
	}
	var stale []string
	for _, ref := range refs {
		c := copies[ref.String()]
		if c == nil {
			stale = append(stale, fmt.Sprintf("%s: no copy yet", ref))
			continue
		}
		src, err := in.Kube.CoreV1().Secrets(ref.Namespace).Get(ctx, ref.Name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			stale = append(stale, fmt.Sprintf("%s: the source does not exist yet", ref))
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("read secret %s: %w", ref, err)
		}
		if keys := differingKeys(src.Data, c.Data); len(keys) > 0 {
			stale = append(stale, fmt.Sprintf("%s: copy %s holds other data than its source (%s)", ref, c.Name, strings.Join(keys, ", ")))
		}
	}
	return stale, nil
}

// copiedSecrets returns, sorted and each once, the secrets the selected
// policies name that Cilium's operator copies into secretsNS.
func copiedSecrets(ctx context.Context, in SyncInput, secretsNS string) ([]ciliumtls.SecretRef, error) {
	policies, err := in.Dyn.Resource(resources.CiliumNetworkPolicies()).List(ctx, metav1.ListOptions{LabelSelector: in.Selector})
	if err != nil {
		return nil, fmt.Errorf("list ciliumnetworkpolicies %s: %w", in.Selector, err)
	}
	seen := map[string]bool{}
	var out []ciliumtls.SecretRef
	for i := range policies.Items {
		refs, err := ciliumtls.PolicySecrets(policies.Items[i].Object, true)
		if err != nil {
			return nil, err
		}
		for _, ref := range refs {
			if ciliumtls.OperatorCopies(secretsNS, ref.Namespace) && !seen[ref.String()] {
				seen[ref.String()] = true
				out = append(out, ref)
			}
		}
	}
	slices.SortFunc(out, func(a, b ciliumtls.SecretRef) int { return strings.Compare(a.String(), b.String()) })
	return out, nil
}

// differingKeys lists, sorted, the keys whose values differ between a
// source's and its copy's data, or are in only one of them.
func differingKeys(src, copied map[string][]byte) []string {
	var keys []string
	for k, v := range src {
		if c, ok := copied[k]; !ok || !bytes.Equal(c, v) {
			keys = append(keys, k)
		}
	}
	for k := range copied {
		if _, ok := src[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys
}

// WaitBundles waits until trust-manager has written the current spec of
// every Bundle the label selector picks to its targets (condition Synced
// True for the Bundle's generation): the upstream trust Secret the
// policies' originatingTLS reads and the CA bundle for clients. A Synced
// condition of an earlier generation (the spec changed since, for example
// a new fake upstream CA offline) is not enough. A timeout names the
// Bundles not synced and trust-manager's reason, which says when it may
// not write a target.
func WaitBundles(ctx context.Context, dyn dynamic.Interface, selector string, timeout time.Duration) error {
	return waitObjects(ctx, dyn, resources.Bundles(), selector, timeout, func(o *unstructured.Unstructured) string {
		return conditionNotTrue(o, "Synced")
	})
}

// conditionNotTrue returns "" when the object's condition of type is True
// and was observed for the object's current generation (a condition
// without observedGeneration counts as current), else its name and the
// condition's reason and message.
func conditionNotTrue(o *unstructured.Unstructured, typ string) string {
	conds, _, _ := unstructured.NestedSlice(o.Object, "status", "conditions")
	for _, raw := range conds {
		cond, _ := raw.(map[string]any)
		if cond["type"] != typ {
			continue
		}
		if cond["status"] != "True" {
			return fmt.Sprintf("%s: %v: %v", o.GetName(), cond["reason"], cond["message"])
		}
		if seen, ok := cond["observedGeneration"].(int64); ok && seen < o.GetGeneration() {
			return fmt.Sprintf("%s: %s for generation %d, not yet for the current %d", o.GetName(), typ, seen, o.GetGeneration())
		}
		return ""
	}
	return fmt.Sprintf("%s: no %s condition yet", o.GetName(), typ)
}
