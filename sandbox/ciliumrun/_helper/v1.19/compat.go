package main

// What Cilium 1.19's API calls differently from 1.18's and 1.20's; the
// glue common to them (../v1.18-v1.20) calls these.

import (
	"context"
	"log/slog"
	"path/filepath"

	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/cilium/cilium/operator/pkg/networkpolicy"
	"github.com/cilium/cilium/operator/pkg/secretsync"
	cmtypes "github.com/cilium/cilium/pkg/clustermesh/types"
	"github.com/cilium/cilium/pkg/envoy"
	envoyconfig "github.com/cilium/cilium/pkg/envoy/config"
	"github.com/cilium/cilium/pkg/identity"
	"github.com/cilium/cilium/pkg/ipcache"
	ipcachetypes "github.com/cilium/cilium/pkg/ipcache/types"
	ciliumv2 "github.com/cilium/cilium/pkg/k8s/apis/cilium.io/v2"
	"github.com/cilium/cilium/pkg/option"
	"github.com/cilium/cilium/pkg/policy"
	"github.com/cilium/cilium/pkg/policy/api"
	policytypes "github.com/cilium/cilium/pkg/policy/types"
	"github.com/cilium/cilium/pkg/policy/utils"
	"github.com/cilium/cilium/pkg/proxy/accesslog"
	"github.com/cilium/cilium/pkg/spanstat"
)

// proxyConfig is the Envoy cell's configuration.
type proxyConfig = envoyconfig.ProxyConfig

// xdsSocketPath is the xDS server's socket under the agent's run directory
// (pkg/envoy sockets.go: GetSocketDir, and getXDSSocketPath's "xds.sock",
// unexported).
func xdsSocketPath(runDir string) string {
	return filepath.Join(envoy.GetSocketDir(runDir), "xds.sock")
}

// adsModeOf is false: 1.19's xDS server has a stream per resource type only.
func adsModeOf(proxyConfig) bool { return false }

// xdsModeSetting says so.
func xdsModeSetting(proxyConfig) string { return "split (the only mode before 1.20)" }

func (discardAccessLog) NewLogRecord(context.Context, accesslog.FlowType, bool, ...accesslog.LogTag) (*accesslog.LogRecord, error) {
	return &accesslog.LogRecord{}, nil
}

// initWellKnownIdentities is pkg/policy/cell newPolicyRepo's call.
func initWellKnownIdentities(cinfo cmtypes.ClusterInfo) {
	identity.InitWellKnownIdentities(option.Config, cinfo)
}

// setNamedPortsGetter does nothing: 1.19's repository has no named-ports
// getter to bind (the policies here name numeric ports).
func setNamedPortsGetter(*policy.Repository, *ipcache.IPCache) {}

// localEndpointIdentity is what the endpoint does with its identity: it
// adds it to the identity manager, whose observer, the repository's policy
// cache, makes it a subject of the subject selector cache
// (pkg/policy distillery.go LocalEndpointIdentityAdded).
func (ids *identities) localEndpointIdentity(id *identity.Identity) { ids.idmgr.Add(id) }

// selectorPolicy is the endpoint's call on regeneration (pkg/endpoint
// policy.go): the repository's GetSelectorPolicy, forcing calculation.
func (ids *identities) selectorPolicy(id *identity.Identity, epID uint16) (policy.SelectorPolicy, error) {
	sp, _, err := ids.repo.GetSelectorPolicy(id, 0, &policyStats{}, uint64(epID))
	return sp, err
}

// policyStats stands in for the endpoint's regeneration statistics.
type policyStats struct{ wait, calc spanstat.SpanStat }

func (s *policyStats) WaitingForPolicyRepository() *spanstat.SpanStat { return &s.wait }
func (s *policyStats) SelectorPolicyCalculation() *spanstat.SpanStat  { return &s.calc }

// replaceByResource is the policy importer's update of the repository.
func replaceByResource(repo *policy.Repository, rules api.Rules, id ipcachetypes.ResourceID) {
	repo.ReplaceByResource(utils.RulesToPolicyEntries(rules), id)
}

// updateNetworkPolicy is the endpoint's regeneration handing the xDS
// server its policy (pkg/endpoint, through pkg/proxy).
func updateNetworkPolicy(_ context.Context, xds envoy.XDSServer, ep *standInEndpoint, epp *policy.EndpointPolicy) error {
	err, _ := xds.UpdateNetworkPolicy(ep, epp, nil)
	return err
}

// addListener is pkg/proxy's creation of an Envoy redirect's listener.
func addListener(_ context.Context, xds envoy.XDSServer, name string, kind policy.L7ParserType, port uint16, ingress, originalSource bool) error {
	return xds.AddListener(name, kind, port, ingress, originalSource, nil, nil)
}

// policyRegistrations are the operator's CiliumNetworkPolicy and
// CiliumClusterwideNetworkPolicy registrations (operator/pkg/networkpolicy
// registerCNPSecretSync, registerCCNPSecretSync, unexported), from their
// exported pieces.
func policyRegistrations(c client.Client, logger *slog.Logger, ns string) []*secretsync.SecretSyncRegistration {
	return []*secretsync.SecretSyncRegistration{
		{RefObject: &ciliumv2.CiliumNetworkPolicy{}, RefObjectEnqueueFunc: networkpolicy.EnqueueTLSSecrets(c, logger),
			RefObjectCheckFunc: networkpolicy.IsReferencedByCiliumNetworkPolicy, SecretsNamespace: ns},
		{RefObject: &ciliumv2.CiliumClusterwideNetworkPolicy{}, RefObjectEnqueueFunc: networkpolicy.EnqueueTLSSecrets(c, logger),
			RefObjectCheckFunc: networkpolicy.IsReferencedByCiliumClusterwideNetworkPolicy, SecretsNamespace: ns},
	}
}

// newSecretSyncReconciler is the operator's reconciler with its cell's
// resync interval and jitter.
func newSecretSyncReconciler(c client.Client, logger *slog.Logger, regs []*secretsync.SecretSyncRegistration) interface {
	Reconcile(context.Context, reconcileRequest) (reconcileResult, error)
} {
	return secretsync.NewSecretSyncReconciler(c, logger, regs, resyncInterval, jitterAmount)
}

// uncountedPolicies stands in for the agent's policy feature metrics
// (pkg/metrics/features), which only count rules.
type uncountedPolicies struct{}

func (uncountedPolicies) AddRule(policytypes.PolicyEntry) {}
func (uncountedPolicies) DelRule(policytypes.PolicyEntry) {}

// initAgentGlobals sets up what the agent sets up before its cells run:
// nothing the pieces here need from 1.19 on.
func initAgentGlobals(*slog.Logger) error { return nil }
