package main

import (
	"context"
	"log/slog"
	"sort"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/util/workqueue"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/cilium/cilium/operator/pkg/secretsync"
	ciliumv2 "github.com/cilium/cilium/pkg/k8s/apis/cilium.io/v2"

	"github.com/cilium-tls-intercept/sandbox/sandbox/ciliumrun/wire"
)

// The operator's secret sync settings (operator/pkg/networkpolicy/secretsync
// SecretSyncConfig) and the reconciler's constants (operator/pkg/secretsync
// cell.go, unexported there: resyncInterval, jitterAmount).
const (
	flagPolicySecretsSync      = "enable-policy-secrets-sync"
	flagPolicySecretsNamespace = "policy-secrets-namespace"
	defaultSecretsNamespace    = "cilium-secrets"
	resyncInterval             = time.Hour
	jitterAmount               = 0.2
)

// The reconciler's request and result (controller-runtime's ctrl.Request
// and ctrl.Result).
type (
	reconcileRequest = reconcile.Request
	reconcileResult  = reconcile.Result
)

// operatorRun is the operator's secret sync run once over the manifests.
type operatorRun struct {
	result  wire.Operator
	secrets []*corev1.Secret // every secret after the sync
}

// runOperator runs the operator's secret sync reconciler
// (operator/pkg/secretsync) with the CiliumNetworkPolicy and
// CiliumClusterwideNetworkPolicy registrations the operator makes
// (policyRegistrations), against a stand-in API server holding the
// manifests.
// Stand-in for the controller-runtime manager's watches: every request
// they would enqueue at start is reconciled once, in name order.
func runOperator(ctx context.Context, logger *slog.Logger, cfg ciliumConfig, m *manifests) (*operatorRun, error) {
	run := &operatorRun{secrets: m.secrets}
	ns := cfg.str(flagPolicySecretsNamespace, defaultSecretsNamespace)
	if !cfg.boolean(flagPolicySecretsSync, false) {
		run.result = wire.Operator{Reason: flagPolicySecretsSync + " is false"}
		return run, nil
	}
	api, err := newStandInAPIServer(ciliumv2.AddToScheme, operatorObjects(m)...)
	if err != nil {
		return nil, err
	}
	regs := policyRegistrations(api, logger, ns)
	r := newSecretSyncReconciler(api, logger, regs)
	run.result = wire.Operator{Enabled: true, SecretsNamespace: ns}
	for _, req := range startRequests(ctx, m, ns, regs[0].RefObjectEnqueueFunc) {
		res, err := r.Reconcile(ctx, req)
		rec := wire.Reconcile{Secret: req.String(), Requeue: res.Requeue}
		if res.RequeueAfter > 0 {
			rec.RequeueAfter = res.RequeueAfter.Round(time.Minute).String()
		}
		if err != nil {
			rec.Error = err.Error()
		}
		run.result.Reconciles = append(run.result.Reconciles, rec)
	}
	run.result.Calls = api.recorded()
	all := &corev1.SecretList{}
	if err := api.List(ctx, all); err != nil {
		return nil, err
	}
	run.secrets = nil
	for i := range all.Items {
		s := &all.Items[i]
		run.secrets = append(run.secrets, s)
		if s.Namespace == ns && s.Labels[secretsync.OwningSecretName] != "" {
			run.result.Copies = append(run.result.Copies, wire.SecretCopy{Namespace: s.Namespace, Name: s.Name,
				Type: string(s.Type), Labels: s.Labels, Keys: secretKeys(s)})
		}
	}
	return run, nil
}

// operatorObjects are the manifests' objects the operator reads.
func operatorObjects(m *manifests) []client.Object {
	var out []client.Object
	for _, s := range m.secrets {
		out = append(out, s.DeepCopy())
	}
	for _, ns := range m.namespaceObjects() {
		out = append(out, ns.DeepCopy())
	}
	for _, p := range m.policies {
		if pp, err := parsePolicyObject(p); err == nil {
			out = append(out, pp)
		}
	}
	return out
}

// parsePolicyObject decodes a policy into Cilium's type without parsing it:
// the operator reads policies the API server accepted, whatever the agent
// makes of them.
func parsePolicyObject(p policyObject) (client.Object, error) {
	pp, err := parsePolicy(p)
	if pp.cnp != nil {
		return pp.cnp, nil
	}
	if pp.ccnp != nil {
		return pp.ccnp, nil
	}
	return nil, err
}

// startRequests are the requests the reconciler's watches enqueue at start
// (operator/pkg/secretsync SetupWithManager): every Secret outside the
// secrets namespace, the owner of every copy inside it, and every secret a
// policy names (through the registration's own enqueue handler).
func startRequests(ctx context.Context, m *manifests, ns string, enqueue handler.EventHandler) []reconcile.Request {
	seen := map[types.NamespacedName]bool{}
	add := func(n types.NamespacedName) { seen[n] = true }
	for _, s := range m.secrets {
		if s.Namespace != ns {
			add(types.NamespacedName{Namespace: s.Namespace, Name: s.Name})
		} else if owner, ok := s.Labels[secretsync.OwningSecretName]; ok {
			add(types.NamespacedName{Namespace: s.Labels[secretsync.OwningSecretNamespace], Name: owner})
		}
	}
	q := workqueue.NewTypedRateLimitingQueue(workqueue.DefaultTypedControllerRateLimiter[reconcile.Request]())
	defer q.ShutDown()
	for _, p := range m.policies {
		obj, err := parsePolicyObject(p)
		if err != nil {
			continue
		}
		enqueue.Create(ctx, event.CreateEvent{Object: obj}, q)
	}
	for q.Len() > 0 {
		req, _ := q.Get()
		add(req.NamespacedName)
		q.Done(req)
	}
	out := make([]reconcile.Request, 0, len(seen))
	for n := range seen {
		out = append(out, reconcile.Request{NamespacedName: n})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].String() < out[j].String() })
	return out
}

// operatorSettings are the operator's settings as read.
func operatorSettings(cfg ciliumConfig) []wire.Setting {
	return []wire.Setting{
		{Key: flagPolicySecretsSync, Value: strconv.FormatBool(cfg.boolean(flagPolicySecretsSync, false))},
		{Key: flagPolicySecretsNamespace, Value: cfg.str(flagPolicySecretsNamespace, defaultSecretsNamespace)},
	}
}
