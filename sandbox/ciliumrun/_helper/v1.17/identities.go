package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/netip"
	"sort"
	"sync"
	"time"

	"github.com/cilium/hive/cell"
	corev1 "k8s.io/api/core/v1"

	cmtypes "github.com/cilium/cilium/pkg/clustermesh/types"
	"github.com/cilium/cilium/pkg/crypto/certificatemanager"
	"github.com/cilium/cilium/pkg/envoy"
	"github.com/cilium/cilium/pkg/fqdn"
	"github.com/cilium/cilium/pkg/fqdn/dns"
	"github.com/cilium/cilium/pkg/identity"
	"github.com/cilium/cilium/pkg/identity/cache"
	"github.com/cilium/cilium/pkg/identity/identitymanager"
	"github.com/cilium/cilium/pkg/ipcache"
	k8sclient "github.com/cilium/cilium/pkg/k8s/client"
	"github.com/cilium/cilium/pkg/k8s/synced"
	k8sutils "github.com/cilium/cilium/pkg/k8s/utils"
	"github.com/cilium/cilium/pkg/labels"
	"github.com/cilium/cilium/pkg/labelsfilter"
	"github.com/cilium/cilium/pkg/option"
	"github.com/cilium/cilium/pkg/policy"
	policyapi "github.com/cilium/cilium/pkg/policy/api"
	"github.com/cilium/cilium/pkg/source"
	"github.com/cilium/cilium/pkg/spanstat"

	"github.com/cilium-tls-intercept/sandbox/sandbox/ciliumrun/wire"
)

// identities is the agent's identity machinery, Cilium's own pieces wired
// as the agent wires them: the caching identity allocator
// (pkg/identity/cache, global identities through its CRD backend on the
// fake clientset, local ones in-process), the policy repository and its
// selector cache (pkg/policy), the IP cache with its metadata layer
// (pkg/ipcache) and the FQDN name manager (pkg/fqdn NameManager), which
// turns DNS answers into IP cache metadata, from which the IP cache
// allocates identities and tells the selector cache.
type identities struct {
	log   *slog.Logger
	repo  *policy.Repository
	alloc *cache.CachingIdentityAllocator
	ipc   *ipcache.IPCache
	names *fqdn.NameManager
	idmgr identitymanager.IDManager
	ready <-chan struct{}
}

type identitiesParams struct {
	cell.In

	Lifecycle cell.Lifecycle
	Logger    *slog.Logger
	Clientset k8sclient.Clientset
	Certs     certificatemanager.CertificateManager
	Secrets   certificatemanager.SecretManager
	Cluster   cmtypes.ClusterInfo
}

// newIdentities builds the identity machinery as the agent's policy,
// identity and IP cache cells and its FQDN bootstrap (daemon/cmd fqdn.go)
// do. The global allocator starts with the hive, once the fake clientset
// runs.
func newIdentities(p identitiesParams) (*identities, error) {
	if err := labelsfilter.ParseLabelPrefixCfg(nil, nil, ""); err != nil {
		return nil, fmt.Errorf("identity label filter: %w", err)
	}
	if option.Config.EnableWellKnownIdentities {
		identity.InitWellKnownIdentities(option.Config, p.Cluster)
	}
	policyapi.InitEntities(p.Cluster.Name)
	ids := &identities{log: p.Logger, idmgr: identitymanager.NewIDManager()}
	owner := &selectorCacheUpdater{ids: ids}
	ids.alloc = cache.NewCachingIdentityAllocator(owner, cache.AllocatorConfig{})
	ids.repo = policy.NewPolicyRepository(identity.ListReservedIdentities(), p.Certs, p.Secrets, ids.idmgr, policyapi.NewPolicyMetricsNoop())
	// As pkg/policy/cell newPolicyRepo does: the HTTP rules' translation
	// into NPDS, with their header secrets, at policy computation.
	ids.repo.SetEnvoyRulesFunc(envoy.GetEnvoyHTTPRules)
	synced := make(synced.CacheStatus)
	close(synced)
	ids.ipc = ipcache.NewIPCache(&ipcache.Configuration{Context: context.Background(), IdentityAllocator: ids.alloc,
		PolicyHandler: ids.repo.GetSelectorCache(), DatapathHandler: noDatapath{}, CacheStatus: synced})
	dnsCache := fqdn.NewDNSCache(option.Config.ToFQDNsMinTTL)
	dnsCache.DisableCleanupTrack()
	ids.names = fqdn.NewNameManager(fqdn.Config{MinTTL: option.Config.ToFQDNsMinTTL, Cache: dnsCache, IPCache: ids.ipc})
	ids.repo.GetSelectorCache().SetLocalIdentityNotifier(ids.names)
	p.Lifecycle.Append(cell.Hook{
		OnStart: func(cell.HookContext) error {
			ids.ready = ids.alloc.InitIdentityAllocator(p.Clientset)
			ids.ipc.TriggerLabelInjection()
			ids.names.CompleteBootstrap()
			return nil
		},
		OnStop: func(cell.HookContext) error {
			ids.alloc.Close()
			return ids.ipc.Shutdown()
		},
	})
	return ids, nil
}

// selectorCacheUpdater stands in for the agent's identity allocator owner
// (pkg/identity/cache/cell identityAllocatorOwner): it passes identity
// changes to the selector cache as that does; the endpoint regeneration it
// then triggers is done here by computing each view afresh.
type selectorCacheUpdater struct{ ids *identities }

func (u *selectorCacheUpdater) UpdateIdentities(added, deleted identity.IdentityMap) {
	wg := &sync.WaitGroup{}
	u.ids.repo.GetSelectorCache().UpdateIdentities(added, deleted, wg)
	wg.Wait()
}

// GetNodeSuffix is the stand-in node's address.
func (u *selectorCacheUpdater) GetNodeSuffix() string { return nodeIPv4 }

// noDatapath stands in for the endpoint manager the IP cache asks to apply
// incremental policy-map changes: views are computed afresh instead.
type noDatapath struct{}

func (noDatapath) UpdatePolicyMaps(_ context.Context, wg *sync.WaitGroup) *sync.WaitGroup { return wg }

// podIdentity allocates the identity of a pod of w as the agent does for
// its endpoint: Cilium's identity labels of the pod (the pod's labels with
// namespace, namespace labels, service account and cluster added,
// pkg/k8s/utils.SanitizePodLabels; only identity-relevant ones kept,
// pkg/labelsfilter) through the allocator, then added to the identity
// manager as the endpoint does, whose observer, the repository's policy
// cache, makes it a subject.
func (ids *identities) podIdentity(ctx context.Context, w wire.Workload, cluster string) (*identity.Identity, error) {
	ns := &corev1.Namespace{}
	ns.Name, ns.Labels = w.Namespace, w.NamespaceLabels
	lbls := labels.Map2Labels(k8sutils.SanitizePodLabels(w.Labels, ns, w.ServiceAccount, cluster), labels.LabelSourceK8s)
	idLabels, _ := labelsfilter.Filter(lbls)
	id, _, err := ids.alloc.AllocateIdentity(ctx, idLabels, true, identity.InvalidIdentity)
	if err != nil {
		return nil, fmt.Errorf("allocate the identity of %s: %w", w.Name, err)
	}
	ids.idmgr.Add(id)
	return id, nil
}

// addPod puts a pod's address into the IP cache, as the agent does for its
// endpoints.
func (ids *identities) addPod(addr string, id identity.NumericIdentity) error {
	_, err := ids.ipc.Upsert(addr, nil, 0, nil, ipcache.Identity{ID: id, Source: source.Local})
	return err
}

// resolve feeds a DNS answer to the name manager, as the DNS proxy does
// for a response it allowed, and waits until the IP cache applied it.
func (ids *identities) resolve(ctx context.Context, a wire.DNSAnswer) error {
	var ips []netip.Addr
	for _, s := range a.Addresses {
		ip, err := netip.ParseAddr(s)
		if err != nil {
			return fmt.Errorf("DNS answer %s: %w", a.Name, err)
		}
		ips = append(ips, ip)
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	g := ids.names.UpdateGenerateDNS(ctx, time.Now(), map[string]*fqdn.DNSIPRecords{dns.FQDN(a.Name): {IPs: ips, TTL: a.TTL}})
	if err := g.Wait(); err != nil {
		return fmt.Errorf("DNS answer %s: the IP cache did not apply it: %w", a.Name, err)
	}
	return nil
}

// view lists the IP cache's entries for addrs and the identities the agent
// knows: the reserved ones, those it allocated, and the well-known ones an
// entry has.
func (ids *identities) view(addrs map[string][]string) ([]wire.Identity, []wire.IPCacheEntry) {
	var entries []wire.IPCacheEntry
	used := map[identity.NumericIdentity]bool{}
	for addr, names := range addrs {
		e := wire.IPCacheEntry{Prefix: addr, Names: names}
		if id, ok := ids.ipc.LookupByPrefix(addr + "/32"); ok {
			e.Identity, e.Source = uint32(id.ID), string(id.Source)
			used[id.ID] = true
		}
		entries = append(entries, e)
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].Prefix < entries[j].Prefix })
	var out []wire.Identity
	for id, lbls := range ids.alloc.GetIdentityCache() {
		if identity.IsWellKnownIdentity(id) && !used[id] {
			continue
		}
		out = append(out, wire.Identity{ID: uint32(id), Labels: lbls.GetModel()})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, entries
}

// waitReady waits for the global identity allocator's first sync.
func (ids *identities) waitReady(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	select {
	case <-ids.ready:
	case <-ctx.Done():
		return fmt.Errorf("the identity allocator did not start: %w", ctx.Err())
	}
	return ids.alloc.WaitForInitialGlobalIdentities(ctx)
}

// policyStats stands in for the endpoint's regeneration statistics.
type policyStats struct{ wait, calc spanstat.SpanStat }

func (s *policyStats) WaitingForPolicyRepository() *spanstat.SpanStat { return &s.wait }
func (s *policyStats) PolicyCalculation() *spanstat.SpanStat          { return &s.calc }
