package scenarios

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/cilium-tls-intercept/sandbox/sandbox/ciliumtls"
	"github.com/cilium-tls-intercept/sandbox/sandbox/doctor"
	"github.com/cilium-tls-intercept/sandbox/sandbox/resources"
	"github.com/cilium-tls-intercept/sandbox/scenarios/kit/hermetic"
	"github.com/cilium-tls-intercept/sandbox/scenarios/kit/upstream"
)

// hermeticOptions are the hermetic control plane's: the chart with the kind
// suite's offline values, and Cilium's own chart when its operator and
// agent run (withCilium).
func (s *suiteState) hermeticOptions(withCilium bool) (hermetic.Options, error) {
	v := s.opts.cilium
	var err error
	if s.fakeCerts, err = upstream.NewCerts(offlineHosts(), time.Now()); err != nil {
		return hermetic.Options{}, err
	}
	opts := hermetic.Options{Chart: &hermetic.ChartOptions{
		Cilium: v,
		Values: chartValues(upstreamLocal, s.fakeCerts.CAPEM),
	}}
	if withCilium {
		opts.Cilium = &hermetic.CiliumOptions{Version: v}
	}
	return opts, nil
}

// operatorCopyTimeout bounds the wait for Cilium's operator's copies: its
// controller starts once its caches of every secret and policy synced.
const operatorCopyTimeout = 60 * time.Second

// policySecrets returns the secrets the TLS contexts of namespace ns's
// policies name, resolved as Cilium resolves them under secret sync
// (ciliumtls.PolicySecrets).
func (h *hermeticCluster) policySecrets(ctx context.Context, ns string) ([]types.NamespacedName, error) {
	list, err := h.dyn.Resource(resources.CiliumNetworkPolicies()).Namespace(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, err
	}
	seen := map[types.NamespacedName]bool{}
	var out []types.NamespacedName
	for i := range list.Items {
		refs, err := ciliumtls.PolicySecrets(list.Items[i].Object, true)
		if err != nil {
			return nil, err
		}
		for _, r := range refs {
			if n := (types.NamespacedName{Namespace: r.Namespace, Name: r.Name}); !seen[n] {
				seen[n] = true
				out = append(out, n)
			}
		}
	}
	return out, nil
}

// waitOperatorCopies waits until Cilium's operator holds, in secretsNS, a
// current copy of each of srcs: named as the release names them
// (ciliumtls.SyncedSecretName, after Cilium's pkg/secretsync/names),
// labelled with its owner as operator/pkg/secretsync labels it, and with
// the source's data. A timeout names what was still wrong.
func (h *hermeticCluster) waitOperatorCopies(ctx context.Context, secretsNS string, srcs []types.NamespacedName) (map[types.NamespacedName]*corev1.Secret, error) {
	copies := map[types.NamespacedName]*corev1.Secret{}
	var problem error
	err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, operatorCopyTimeout, true, func(ctx context.Context) (bool, error) {
		for _, src := range srcs {
			c, err := h.operatorCopy(ctx, secretsNS, src)
			if err != nil {
				problem = err
				return false, nil
			}
			copies[src] = c
		}
		return true, nil
	})
	if err != nil {
		return nil, fmt.Errorf("Cilium's operator's copies after %s: %w", operatorCopyTimeout, problem)
	}
	return copies, nil
}

// operatorCopy returns the operator's copy of src, or why it is not (yet)
// a current one.
func (h *hermeticCluster) operatorCopy(ctx context.Context, secretsNS string, src types.NamespacedName) (*corev1.Secret, error) {
	name := ciliumtls.SyncedSecretName(h.cilium, src.Namespace, src.Name)
	c, err := h.kube.CoreV1().Secrets(secretsNS).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return nil, fmt.Errorf("copy %s/%s of %s: %w", secretsNS, name, src, err)
	}
	if ns, n := ciliumtls.CopyOf(c.Labels); ns != src.Namespace || n != src.Name {
		return nil, fmt.Errorf("copy %s/%s is labelled as owned by %s/%s, not %s", secretsNS, name, ns, n, src)
	}
	s, err := h.kube.CoreV1().Secrets(src.Namespace).Get(ctx, src.Name, metav1.GetOptions{})
	if err != nil {
		return nil, fmt.Errorf("source %s: %w", src, err)
	}
	if !reflect.DeepEqual(s.Data, c.Data) {
		return nil, fmt.Errorf("copy %s/%s holds other data than %s (keys %v, source keys %v)", secretsNS, name, src, keysOf(c.Data), keysOf(s.Data))
	}
	return c, nil
}

// ownerLabels renders the operator's owner labels of a copy.
func ownerLabels(l map[string]string) string {
	return fmt.Sprintf("%s=%s, %s=%s", ciliumtls.OwningSecretNamespaceLabel, l[ciliumtls.OwningSecretNamespaceLabel],
		ciliumtls.OwningSecretNameLabel, l[ciliumtls.OwningSecretNameLabel])
}

// runDoctor runs the doctor against the hermetic cluster and logs its report.
func (h *hermeticCluster) runDoctor(ctx context.Context, t *testing.T, opts doctor.Options) *doctor.Report {
	t.Helper()
	st := h.doctorState(ctx, t, opts.Scope)
	return evaluateDoctor(t, st, opts)
}

// doctorState gathers what the doctor reads from the hermetic cluster.
func (h *hermeticCluster) doctorState(ctx context.Context, t *testing.T, scope doctor.Scope) *doctor.State {
	t.Helper()
	src, err := doctor.NewLiveSource(h.cp.KubeconfigPath)
	if err != nil {
		t.Fatal(err)
	}
	st, err := src.Gather(ctx, scope)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// evaluateDoctor runs the doctor's checks over st and logs the report.
func evaluateDoctor(t *testing.T, st *doctor.State, opts doctor.Options) *doctor.Report {
	t.Helper()
	rep := doctor.Evaluate(st, opts)
	var text strings.Builder
	if err := rep.WriteTextWith(&text, doctor.TextOptions{AllEvidence: true}); err != nil {
		t.Fatal(err)
	}
	t.Logf("doctor report:\n%s", text.String())
	return rep
}
