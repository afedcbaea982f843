package main

// What Cilium 1.20's API calls differently from 1.18's and 1.19's; the
// glue common to them (../v1.18-v1.20) calls these.

import (
	"context"
	"log/slog"

	"sigs.k8s.io/controller-runtime/pkg/client"

	npsecretsync "github.com/cilium/cilium/operator/pkg/networkpolicy/secretsync"
	"github.com/cilium/cilium/operator/pkg/secretsync"
	cmtypes "github.com/cilium/cilium/pkg/clustermesh/types"
	"github.com/cilium/cilium/pkg/envoy"
	envoyconfig "github.com/cilium/cilium/pkg/envoy/config"
	envoyutil "github.com/cilium/cilium/pkg/envoy/util"
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
)

// proxyConfig is the Envoy cell's configuration.
type proxyConfig = envoyconfig.ProxyConfig

// xdsSocketPath is the xDS server's socket under the agent's run directory.
func xdsSocketPath(runDir string) string {
	return envoyutil.GetXDSSocketPath(envoyutil.GetSocketDir(runDir))
}

// adsModeOf says whether the agent serves xDS over one aggregated stream
// (envoy-xds-mode ads or strict-ads, 1.20+).
func adsModeOf(pc proxyConfig) bool { return envoyconfig.ADSModeEnabled(pc.EnvoyXDSMode) }

// xdsModeSetting is envoy-xds-mode as the agent read it.
func xdsModeSetting(pc proxyConfig) string { return pc.EnvoyXDSMode }

func (discardAccessLog) NewLogRecord(context.Context, accesslog.FlowType, bool, ...accesslog.LogTag) (*accesslog.LogRecord, error) {
	return &accesslog.LogRecord{}, nil
}

// initWellKnownIdentities is pkg/policy/cell newPolicyRepo's call.
func initWellKnownIdentities(cinfo cmtypes.ClusterInfo) {
	identity.InitWellKnownIdentities(option.Config.K8sNamespace, cinfo)
}

// setNamedPortsGetter is the ipcache cell's late binding of the IP cache
// as the repository's named-ports getter.
func setNamedPortsGetter(repo *policy.Repository, ipc *ipcache.IPCache) {
	repo.SetNamedPortsGetter(ipc)
}

// localEndpointIdentity is what the agent does with a local endpoint's
// identity: the identity manager's observers, among them the policy
// computer (pkg/policy/compute LocalEndpointIdentityAdded), which tells
// the repository's subject selector cache.
func (ids *identities) localEndpointIdentity(id *identity.Identity) {
	ids.repo.UpdateIdentities(identity.IdentityMap{id.ID: id.LabelArray}, nil)
}

// selectorPolicy computes the identity's selector policy as the policy
// computer does (pkg/policy/compute RecomputeIdentityPolicy).
func (ids *identities) selectorPolicy(id *identity.Identity, _ uint16) (policy.SelectorPolicy, error) {
	sp, _, err := ids.repo.ComputeSelectorPolicy(id)
	return sp, err
}

// replaceByResource is the policy importer's update of the repository.
func replaceByResource(repo *policy.Repository, rules api.Rules, id ipcachetypes.ResourceID) {
	repo.ReplaceByResource(utils.RulesToPolicyEntries(rules), id)
}

// updateNetworkPolicy is the endpoint's regeneration handing the xDS
// server its policy (pkg/endpoint, through pkg/proxy).
func updateNetworkPolicy(ctx context.Context, xds envoy.XDSServer, ep *standInEndpoint, epp *policy.EndpointPolicy) error {
	err, _, _ := xds.UpdateNetworkPolicy(ctx, ep, epp, nil)
	return err
}

// addListener is pkg/proxy's creation of an Envoy redirect's listener.
func addListener(ctx context.Context, xds envoy.XDSServer, name string, kind policy.L7ParserType, port uint16, ingress, originalSource bool) error {
	return xds.AddListener(ctx, name, kind, port, ingress, originalSource, nil, nil)
}

// policyRegistrations are the operator's CiliumNetworkPolicy and
// CiliumClusterwideNetworkPolicy registrations (registerCNPSecretSync,
// registerCCNPSecretSync, unexported), from their exported pieces.
func policyRegistrations(c client.Client, logger *slog.Logger, ns string) []*secretsync.SecretSyncRegistration {
	return []*secretsync.SecretSyncRegistration{
		{RefObject: &ciliumv2.CiliumNetworkPolicy{}, RefObjectEnqueueFunc: npsecretsync.EnqueueTLSSecrets(c, logger),
			RefObjectCheckFunc: npsecretsync.IsReferencedByCiliumNetworkPolicy, SecretsNamespace: ns},
		{RefObject: &ciliumv2.CiliumClusterwideNetworkPolicy{}, RefObjectEnqueueFunc: npsecretsync.EnqueueTLSSecrets(c, logger),
			RefObjectCheckFunc: npsecretsync.IsReferencedByCiliumClusterwideNetworkPolicy, SecretsNamespace: ns},
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
