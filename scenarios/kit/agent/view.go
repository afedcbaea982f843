//go:build linux

package agent

import (
	"fmt"
	"log/slog"
	"strings"

	cilium "github.com/cilium/proxy/go/cilium/api"

	cmtypes "github.com/cilium/cilium/pkg/clustermesh/types"
	"github.com/cilium/cilium/pkg/envoy"
	"github.com/cilium/cilium/pkg/identity"
	"github.com/cilium/cilium/pkg/identity/identitymanager"
	ipcachetypes "github.com/cilium/cilium/pkg/ipcache/types"
	ciliumv2 "github.com/cilium/cilium/pkg/k8s/apis/cilium.io/v2"
	"github.com/cilium/cilium/pkg/policy"
	"github.com/cilium/cilium/pkg/policy/utils"
	"github.com/cilium/cilium/pkg/proxy/endpoint"
)

var _ endpoint.EndpointUpdater = (*StandInEndpoint)(nil)

// ViewInput is what Agent.ComputeView computes an endpoint's view from.
type ViewInput struct {
	// Policies are fed to the policy repository as the agent's policy
	// watcher feeds it: parsed, turned into policy entries, one resource
	// per policy.
	Policies []ciliumv2.CiliumNetworkPolicy
	// Endpoint is the identity whose policy is computed.
	Endpoint *identity.Identity
	// Peers are the other identities the selector cache knows (beside the
	// reserved ones, always there).
	Peers []*identity.Identity
	// StandIn plays the endpoint; DefaultStandIn when nil.
	StandIn *StandInEndpoint
}

// DefaultStandIn is the stand-in endpoint ComputeView uses by default.
func DefaultStandIn() *StandInEndpoint {
	return &StandInEndpoint{ID: 1, IPv4: "10.244.1.10"}
}

// View is what the agent computes for an endpoint.
type View struct {
	// Revision is the policy repository's revision it was computed at.
	Revision uint64
	// Policy is the endpoint's policy: its L4 filters
	// (Policy.SelectorPolicy.L4Policy) and its policy map
	// (Policy.Entries).
	Policy *policy.EndpointPolicy
	// Redirects maps each redirect's proxy ID to its stand-in port.
	Redirects map[string]uint16
	// NPDS is the NetworkPolicy resource the agent's xDS server would send
	// Envoy for the endpoint; it passed Validate.
	NPDS *cilium.NetworkPolicy
}

// PolicyError is the agent failing to compute an endpoint's policy: the
// error ComputeSelectorPolicy returned, with the warnings the policy
// engine logged on the way. The endpoint then keeps its previous policy.
type PolicyError struct {
	Err    error
	Logged []string
}

func (e *PolicyError) Error() string {
	return fmt.Sprintf("compute the endpoint's policy: %v (logged: %s)", e.Err, strings.Join(e.Logged, "; "))
}

func (e *PolicyError) Unwrap() error { return e.Err }

// ComputeView feeds a new policy repository in.Policies and computes the
// endpoint's policy as the agent does on regeneration: ComputeSelectorPolicy
// for its identity, redirects for the filters that need a proxy,
// DistillPolicy into the policy map, and envoy.GetNetworkPolicy with the
// agent's SDS settings for the NPDS resource, which must pass Validate.
func (a *Agent) ComputeView(in ViewInput) (*View, error) {
	rec := newLogRecorder()
	logger := slog.New(rec)
	ep := in.StandIn
	if ep == nil {
		ep = DefaultStandIn()
	}
	repo, err := a.repository(logger, in)
	if err != nil {
		return nil, err
	}
	sp, rev, err := repo.ComputeSelectorPolicy(in.Endpoint)
	if err != nil {
		return nil, &PolicyError{Err: err, Logged: rec.recorded()}
	}
	redirects := redirectsOf(sp, ep)
	epp := sp.DistillPolicy(logger, ep, redirects)
	npds := envoy.GetNetworkPolicy(ep, epp.SelectorPolicy.GetEgressNamedPorts, epp.GetPolicySelectors(),
		ep.GetPolicyNames(), &epp.SelectorPolicy.L4Policy,
		epp.SelectorPolicy.IngressPolicyEnabled, epp.SelectorPolicy.EgressPolicyEnabled,
		a.Proxy.UseFullTLSContext, a.Secrets.PolicySecretSyncEnabled(), a.Secrets.GetSecretSyncNamespace(), logger, a.L7)
	if err := npds.Validate(); err != nil {
		return nil, fmt.Errorf("NPDS resource for endpoint %d fails validation: %w", ep.ID, err)
	}
	return &View{Revision: rev, Policy: epp, Redirects: redirects, NPDS: npds}, nil
}

// repository returns a policy repository knowing the reserved identities
// and in's, fed in.Policies.
func (a *Agent) repository(logger *slog.Logger, in ViewInput) (*policy.Repository, error) {
	ids := identity.ListReservedIdentities()
	for _, p := range append([]*identity.Identity{in.Endpoint}, in.Peers...) {
		ids[p.ID] = p.LabelArray
	}
	repo := policy.NewPolicyRepository(logger, ids, a.Certificates, a.L7, identitymanager.NewIDManager(logger), nil)
	repo.UpdateIdentities(identity.IdentityMap{in.Endpoint.ID: in.Endpoint.LabelArray}, nil)
	cluster := cmtypes.LocalClusterNameForPolicies(a.Policies, a.Cluster.Name)
	for i := range in.Policies {
		cnp := &in.Policies[i]
		rules, err := cnp.Parse(logger, cluster)
		if err != nil {
			return nil, fmt.Errorf("parse CiliumNetworkPolicy %s/%s: %w", cnp.Namespace, cnp.Name, err)
		}
		id := ipcachetypes.NewResourceID(ipcachetypes.ResourceKindCNP, cnp.Namespace, cnp.Name)
		repo.ReplaceByResource(utils.RulesToPolicyEntries(rules), id)
	}
	return repo, nil
}

// redirectsOf names a redirect for every filter of sp that needs a proxy,
// with policy.ProxyID as the endpoint does (pkg/endpoint proxyIDs, for
// numbered ports), each with the stand-in port of its proxy.
func redirectsOf(sp policy.SelectorPolicy, ep *StandInEndpoint) map[string]uint16 {
	out := map[string]uint16{}
	for l4, tuple := range sp.RedirectFilters() {
		id := policy.ProxyID(ep.ID, l4.Ingress, string(l4.Protocol), l4.Port, tuple.Policy.GetListener())
		out[id] = proxyPort(tuple.Policy.L7Parser)
	}
	return out
}
