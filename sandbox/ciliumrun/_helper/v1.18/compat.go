package main

// What Cilium 1.18's API calls differently from 1.19's and 1.20's; the
// glue common to them (../v1.18-v1.20) calls these. Patches differ too:
// compat_*_1_18_2.go and compat_*_1_18_5.go hold what changed then.

import (
	"context"
	"log/slog"
	"path/filepath"

	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/cilium/cilium/operator/pkg/networkpolicy"
	"github.com/cilium/cilium/operator/pkg/secretsync"
	cmtypes "github.com/cilium/cilium/pkg/clustermesh/types"
	"github.com/cilium/cilium/pkg/defaults"
	"github.com/cilium/cilium/pkg/envoy"
	"github.com/cilium/cilium/pkg/fqdn/re"
	"github.com/cilium/cilium/pkg/identity"
	"github.com/cilium/cilium/pkg/ipcache"
	ipcachetypes "github.com/cilium/cilium/pkg/ipcache/types"
	ciliumv2 "github.com/cilium/cilium/pkg/k8s/apis/cilium.io/v2"
	"github.com/cilium/cilium/pkg/option"
	"github.com/cilium/cilium/pkg/policy"
	"github.com/cilium/cilium/pkg/policy/api"
	"github.com/cilium/cilium/pkg/proxy/accesslog"
	"github.com/cilium/cilium/pkg/spanstat"
)

// xdsSocketPath is the xDS server's socket under the agent's run directory
// (pkg/envoy sockets.go: GetSocketDir, and getXDSSocketPath's "xds.sock",
// unexported).
func xdsSocketPath(runDir string) string {
	return filepath.Join(envoy.GetSocketDir(runDir), "xds.sock")
}

// adsModeOf is false: 1.18's xDS server has a stream per resource type only.
func adsModeOf(proxyConfig) bool { return false }

// xdsModeSetting says so.
func xdsModeSetting(proxyConfig) string { return "split (the only mode before 1.20)" }

func (discardAccessLog) NewLogRecord(accesslog.FlowType, bool, ...accesslog.LogTag) *accesslog.LogRecord {
	return &accesslog.LogRecord{}
}

// initWellKnownIdentities is pkg/policy/cell newPolicyRepo's call.
func initWellKnownIdentities(cinfo cmtypes.ClusterInfo) {
	identity.InitWellKnownIdentities(option.Config, cinfo)
}

// setNamedPortsGetter does nothing: 1.18's repository has no named-ports
// getter to bind (the policies here name numeric ports).
func setNamedPortsGetter(*policy.Repository, *ipcache.IPCache) {}

// localEndpointIdentity is what the endpoint does with its identity: it
// adds it to the identity manager, whose observer, the repository's policy
// cache, makes it a subject (pkg/policy distillery.go
// LocalEndpointIdentityAdded).
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

// replaceByResource is the policy watcher's update of the repository.
func replaceByResource(repo *policy.Repository, rules api.Rules, id ipcachetypes.ResourceID) {
	repo.ReplaceByResource(rules, id)
}

// updateNetworkPolicy is the endpoint's regeneration handing the xDS
// server its policy (pkg/endpoint bpf.go, through pkg/proxy).
func updateNetworkPolicy(_ context.Context, xds envoy.XDSServer, ep *standInEndpoint, epp *policy.EndpointPolicy) error {
	ep.desired = epp
	err, _ := xds.UpdateNetworkPolicy(ep, &epp.L4Policy, epp.IngressPolicyEnabled, epp.EgressPolicyEnabled, nil)
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

// uncountedPolicies stands in for the agent's policy feature metrics
// (pkg/metrics/features), which only count rules.
type uncountedPolicies struct{}

func (uncountedPolicies) AddRule(api.Rule) {}
func (uncountedPolicies) DelRule(api.Rule) {}

// initAgentGlobals sets up what the agent sets up before its cells run:
// the FQDN regex cache matchPattern selectors compile through (pkg/fqdn/re,
// which 1.18's DNS proxy bootstrap initializes), at its default size.
func initAgentGlobals(logger *slog.Logger) error {
	return re.InitRegexCompileLRU(logger, defaults.FQDNRegexCompileLRUSize)
}
