package main

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	ipcachetypes "github.com/cilium/cilium/pkg/ipcache/types"
	"github.com/cilium/cilium/pkg/policy/api"

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
	seen := map[string]bool{}
	for _, o := range objs {
		key := o.obj.kind + "/" + o.obj.namespace + "/" + o.obj.name
		seen[key] = true
		if prev, ok := c.policies[key]; ok && prev.resourceVersion == o.resourceVersion {
			continue
		}
		v := wire.PolicyVerdict{Kind: o.obj.kind, Namespace: o.obj.namespace, Name: o.obj.name}
		pp, err := parsePolicy(o.obj)
		if err != nil {
			v.Error = err.Error()
		} else {
			v.Rules = len(pp.rules)
			c.replaceByResource(pp.rules, resourceID(o.obj))
		}
		c.policies[key] = importedPolicy{resourceVersion: o.resourceVersion, verdict: v}
	}
	var out []wire.PolicyVerdict
	for key, p := range c.policies {
		if !seen[key] {
			c.replaceByResource(nil, resourceID(policyObject{kind: p.verdict.Kind, namespace: p.verdict.Namespace, name: p.verdict.Name}))
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

// replaceByResource replaces a resource's rules as daemon/cmd policy.go's
// policyAdd and policyDelete do, under the repository's lock. The
// endpoint's selector policy is recomputed at its next view only then:
// 1.16's policy cache resolves an identity's policy again only when the
// repository's revision moved (pkg/policy distillery.go
// updateSelectorPolicy), which is when inline secrets are read again.
func (c *clusterAgent) replaceByResource(rules api.Rules, id ipcachetypes.ResourceID) {
	repo := c.a.identities.repo
	repo.Mutex.Lock()
	defer repo.Mutex.Unlock()
	repo.ReplaceByResourceLocked(rules, id)
}
