package main

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"sync"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	cmtypes "github.com/cilium/cilium/pkg/clustermesh/types"
	"github.com/cilium/cilium/pkg/identity"
	ipcachetypes "github.com/cilium/cilium/pkg/ipcache/types"
	"github.com/cilium/cilium/pkg/policy"

	"github.com/cilium-tls-intercept/sandbox/sandbox/ciliumrun/wire"
)

// importedPolicy is a policy object as last imported: its resourceVersion
// and Cilium's verdict on it.
type importedPolicy struct {
	resourceVersion string
	verdict         wire.PolicyVerdict
}

// importPolicies brings the repository up to the API server's
// CiliumNetworkPolicies and CiliumClusterwideNetworkPolicies, as the
// agent's policy watcher does on their events: a new or changed object is
// parsed (Cilium's Parse, which sanitizes) and replaces its resource's
// rules; one Parse refuses leaves the rules it had; a deleted one's rules
// go. An object whose resourceVersion did not change raises no event, so
// it is not imported again (and an inline secret it names is not read
// again: the endpoint's selector policy is recomputed only when the
// repository changes). It returns the verdicts of every object held.
func (c *clusterAgent) importPolicies(ctx context.Context) ([]wire.PolicyVerdict, error) {
	objs, err := c.policyObjects(ctx)
	if err != nil {
		return nil, err
	}
	cluster := cmtypes.LocalClusterNameForPolicies(c.a.policyCfg, c.a.cluster.Name)
	seen := map[string]bool{}
	for _, o := range objs {
		key := o.obj.kind + "/" + o.obj.namespace + "/" + o.obj.name
		seen[key] = true
		if prev, ok := c.policies[key]; ok && prev.resourceVersion == o.resourceVersion {
			continue
		}
		v := wire.PolicyVerdict{Kind: o.obj.kind, Namespace: o.obj.namespace, Name: o.obj.name}
		pp, err := parsePolicy(c.log, o.obj, cluster)
		if err != nil {
			v.Error = err.Error()
		} else {
			v.Rules = len(pp.rules)
			replaceByResource(c.a.identities.repo, pp.rules, resourceID(o.obj))
		}
		c.policies[key] = importedPolicy{resourceVersion: o.resourceVersion, verdict: v}
	}
	var out []wire.PolicyVerdict
	for key, p := range c.policies {
		if !seen[key] {
			replaceByResource(c.a.identities.repo, nil, resourceID(policyObject{kind: p.verdict.Kind, namespace: p.verdict.Namespace, name: p.verdict.Name}))
			delete(c.policies, key)
			continue
		}
		out = append(out, p.verdict)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		return a.Kind+"/"+a.Namespace+"/"+a.Name < b.Kind+"/"+b.Namespace+"/"+b.Name
	})
	return out, nil
}

// listedPolicy is a policy object read from the API server.
type listedPolicy struct {
	obj             policyObject
	resourceVersion string
}

// policyObjects lists the policy objects the API server holds, as JSON
// for parsePolicy.
func (c *clusterAgent) policyObjects(ctx context.Context) ([]listedPolicy, error) {
	var out []listedPolicy
	add := func(kind string, meta metav1.ObjectMeta, obj any) error {
		raw, err := json.Marshal(obj)
		if err != nil {
			return err
		}
		out = append(out, listedPolicy{obj: policyObject{kind: kind, namespace: meta.Namespace, name: meta.Name, raw: raw}, resourceVersion: meta.ResourceVersion})
		return nil
	}
	cnps, err := c.a.cs.CiliumV2().CiliumNetworkPolicies(metav1.NamespaceAll).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, fmt.Errorf("list CiliumNetworkPolicies: %w", err)
	}
	for i := range cnps.Items {
		if err := add(kindCNP, cnps.Items[i].ObjectMeta, &cnps.Items[i]); err != nil {
			return nil, err
		}
	}
	ccnps, err := c.a.cs.CiliumV2().CiliumClusterwideNetworkPolicies().List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, fmt.Errorf("list CiliumClusterwideNetworkPolicies: %w", err)
	}
	for i := range ccnps.Items {
		if err := add(kindCCNP, ccnps.Items[i].ObjectMeta, &ccnps.Items[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// resourceID is the repository's resource of a policy object.
func resourceID(p policyObject) ipcachetypes.ResourceID {
	return ipcachetypes.NewResourceID(resourceKind(p.kind), p.namespace, p.name)
}

// selectorPolicyCache keeps each identity's selector policy with the
// repository revision it was computed at, as the agent's policy cache
// does: an endpoint's selector policy is recomputed when the repository
// changed, while identities selected later reach it through the selector
// cache, which DistillPolicy reads.
type selectorPolicyCache struct {
	mu sync.Mutex
	m  map[identity.NumericIdentity]cachedSelectorPolicy
	// pushed is, per endpoint, what its last NPDS update was made from.
	pushed map[uint16]pushedPolicy
}

// pushedPolicy is the repository revision and policy map an endpoint's
// NPDS resource was last made at.
type pushedPolicy struct {
	revision uint64
	entries  string
}

type cachedSelectorPolicy struct {
	sp       policy.SelectorPolicy
	revision uint64
}

func newSelectorPolicyCache() *selectorPolicyCache {
	return &selectorPolicyCache{m: map[identity.NumericIdentity]cachedSelectorPolicy{}, pushed: map[uint16]pushedPolicy{}}
}

// selectorPolicy is the endpoint's selector policy: computed, or the one
// computed at the repository's current revision.
func (a *agent) selectorPolicy(id *identity.Identity, epID uint16) (policy.SelectorPolicy, error) {
	if a.cache == nil {
		return a.identities.selectorPolicy(id, epID)
	}
	a.cache.mu.Lock()
	defer a.cache.mu.Unlock()
	rev := a.identities.repo.GetRevision()
	if c, ok := a.cache.m[id.ID]; ok && c.revision == rev {
		return c.sp, nil
	}
	sp, err := a.identities.selectorPolicy(id, epID)
	if err != nil {
		return nil, err
	}
	a.cache.m[id.ID] = cachedSelectorPolicy{sp: sp, revision: rev}
	return sp, nil
}

// regenerates says whether the endpoint's computation hands the xDS server
// a new NPDS resource, as the agent's endpoint does: on a regeneration
// after the repository changed, and when the policy map's incremental
// changes (identities newly selected, say from DNS answers) are not empty
// (pkg/endpoint applyPolicyMapChanges). A secret's value put inline in
// NPDS (inline mode) is read then, and only then. Without a cache
// (manifests mode) every computation does.
//
// This is the rule before known bug K3's fix, kept for every release of
// this glue: from 1.18.8, 1.19.2 and 1.20.0 pkg/endpoint/bpf.go
// applyPolicyMapChangesLocked also updates Envoy when the changes are
// empty, if the endpoint has Envoy redirects. The stand-in therefore
// pushes no NPDS for an update that leaves the policy map unchanged,
// where a fixed release would.
func (a *agent) regenerates(ep *standInEndpoint, entries []wire.PolicyMapEntry) bool {
	if a.cache == nil {
		return true
	}
	a.cache.mu.Lock()
	defer a.cache.mu.Unlock()
	now := pushedPolicy{revision: a.identities.repo.GetRevision(), entries: fmt.Sprint(entries)}
	if prev, ok := a.cache.pushed[ep.id]; ok && prev == now {
		return false
	}
	a.cache.pushed[ep.id] = now
	return true
}
