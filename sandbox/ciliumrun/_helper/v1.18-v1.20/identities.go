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
	"github.com/cilium/hive/job"
	corev1 "k8s.io/api/core/v1"

	cmtypes "github.com/cilium/cilium/pkg/clustermesh/types"
	"github.com/cilium/cilium/pkg/crypto/certificatemanager"
	"github.com/cilium/cilium/pkg/endpoint"
	"github.com/cilium/cilium/pkg/endpointstate"
	envoypolicy "github.com/cilium/cilium/pkg/envoy/policy"
	"github.com/cilium/cilium/pkg/fqdn"
	"github.com/cilium/cilium/pkg/fqdn/dns"
	"github.com/cilium/cilium/pkg/fqdn/namemanager"
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
	policycell "github.com/cilium/cilium/pkg/policy/cell"
	"github.com/cilium/cilium/pkg/promise"
	"github.com/cilium/cilium/pkg/source"

	"github.com/cilium-tls-intercept/sandbox/sandbox/ciliumrun/wire"
)

// identities is the agent's identity machinery, Cilium's own pieces wired
// as the agent wires them: the caching identity allocator
// (pkg/identity/cache, global identities through its CRD backend on the
// fake clientset, local ones in-process), the policy repository and its
// selector cache (pkg/policy), the IP cache with its metadata layer
// (pkg/ipcache) and the FQDN name manager (pkg/fqdn/namemanager), which
// turns DNS answers into IP cache metadata, from which the IP cache
// allocates identities and tells the selector cache.
type identities struct {
	log   *slog.Logger
	repo  *policy.Repository
	alloc *cache.CachingIdentityAllocator
	ipc   *ipcache.IPCache
	// updateDNS is the name manager's UpdateGenerateDNS (which gained a
	// variadic parameter in 1.18.5, so no one interface names both).
	updateDNS func(ctx context.Context, lookupTime time.Time, name string, record *fqdn.DNSIPRecords) <-chan error
	updater   *selectorCacheUpdater
	ready     <-chan struct{}
	// idmgr is the agent's identity manager of local endpoints' identities.
	idmgr identitymanager.IDManager
}

type identitiesParams struct {
	cell.In

	Lifecycle  cell.Lifecycle
	Jobs       job.Group
	Logger     *slog.Logger
	Clientset  k8sclient.Clientset
	Certs      certificatemanager.CertificateManager
	L7         envoypolicy.EnvoyL7RulesTranslator
	Restorer   promise.Promise[endpointstate.Restorer]
	Cluster    cmtypes.ClusterInfo
	NameConfig namemanager.NameManagerLocalConfig
	PolicyCell policycell.Config
}

// newIdentities builds the identity machinery. The global allocator
// starts with the hive, once the fake clientset runs.
func newIdentities(p identitiesParams) (*identities, error) {
	if err := labelsfilter.ParseLabelPrefixCfg(p.Logger, nil, nil, ""); err != nil {
		return nil, fmt.Errorf("identity label filter: %w", err)
	}
	// As pkg/policy/cell newPolicyRepo does before making the repository.
	if p.PolicyCell.EnableWellKnownIdentities {
		initWellKnownIdentities(p.Cluster)
	}
	policyapi.InitEntities(p.Cluster.Name)
	ids := &identities{log: p.Logger, updater: &selectorCacheUpdater{}}
	ids.alloc = cache.NewCachingIdentityAllocator(p.Logger, ids.updater, cache.AllocatorConfig{
		Timeout: 30 * time.Second, SyncInterval: time.Hour,
	})
	ids.idmgr = identitymanager.NewIDManager(p.Logger)
	ids.repo = policy.NewPolicyRepository(p.Logger, identity.ListReservedIdentities(), p.Certs, p.L7, ids.idmgr, uncountedPolicies{})
	ids.updater.repo = ids.repo
	synced := make(synced.CacheStatus)
	close(synced)
	ids.ipc = ipcache.NewIPCache(&ipcache.Configuration{Context: context.Background(), Logger: p.Logger,
		IdentityAllocator: ids.alloc, IdentityUpdater: ids.updater, CacheStatus: synced})
	setNamedPortsGetter(ids.repo, ids.ipc)
	names := namemanager.New(namemanager.ManagerParams{
		JobGroup: p.Jobs, PolicyRepo: ids.repo, Logger: p.Logger, IPCache: ids.ipc, EPMgr: noEndpoints{},
		RestorerPromise: p.Restorer, Allocator: ids.alloc,
		Config: namemanager.NameManagerConfig{NameManagerLocalConfig: p.NameConfig, MinTTL: option.Config.ToFQDNsMinTTL,
			DNSProxyLockCount: option.Config.DNSProxyLockCount, StateDir: option.Config.StateDir,
			EnableIPv4: option.Config.EnableIPv4, EnableIPv6: option.Config.EnableIPv6},
	})
	ids.updateDNS = func(ctx context.Context, lookupTime time.Time, name string, record *fqdn.DNSIPRecords) <-chan error {
		return names.UpdateGenerateDNS(ctx, lookupTime, name, record)
	}
	p.Lifecycle.Append(cell.Hook{
		OnStart: func(cell.HookContext) error {
			ids.ready = ids.alloc.InitIdentityAllocator(p.Clientset, nil)
			ids.ipc.TriggerLabelInjection()
			return nil
		},
		OnStop: func(cell.HookContext) error {
			ids.alloc.Close()
			return ids.ipc.Shutdown()
		},
	})
	return ids, nil
}

// selectorCacheUpdater stands in for the agent's identity updater
// (pkg/policy/cell newIdentityUpdater): it passes identity changes to the
// selector cache as that does; the endpoint regeneration it then triggers
// is done here by computing each view afresh.
type selectorCacheUpdater struct {
	repo *policy.Repository
}

func (u *selectorCacheUpdater) UpdateIdentities(added, deleted identity.IdentityMap) <-chan struct{} {
	done := make(chan struct{})
	wg := &sync.WaitGroup{}
	u.repo.GetSelectorCache().UpdateIdentities(added, deleted, wg)
	go func() { wg.Wait(); close(done) }()
	return done
}

// GetNodeSuffix is the stand-in node's address.
func (u *selectorCacheUpdater) GetNodeSuffix() string { return nodeIPv4 }

// noEndpoints stands in for the endpoint manager the name manager asks:
// no endpoint runs here.
type noEndpoints struct{}

func (noEndpoints) Lookup(string) (*endpoint.Endpoint, error) { return nil, nil }
func (noEndpoints) GetEndpoints() []*endpoint.Endpoint        { return nil }

// podIdentity allocates the identity of a pod of w as the agent does for
// its endpoint: Cilium's identity labels of the pod (the pod's labels with
// namespace, namespace labels, service account and cluster added,
// pkg/k8s/utils.SanitizePodLabels; only identity-relevant ones kept,
// pkg/labelsfilter) through the allocator, then made a local endpoint's
// identity as the endpoint does (localEndpointIdentity, compat.go).
func (ids *identities) podIdentity(ctx context.Context, w wire.Workload, cluster string) (*identity.Identity, error) {
	ns := &corev1.Namespace{}
	ns.Name, ns.Labels = w.Namespace, w.NamespaceLabels
	lbls := labels.Map2Labels(k8sutils.SanitizePodLabels(w.Labels, ns, w.ServiceAccount, cluster), labels.LabelSourceK8s)
	idLabels, _ := labelsfilter.Filter(lbls)
	id, _, err := ids.alloc.AllocateIdentity(ctx, idLabels, true, identity.InvalidIdentity)
	if err != nil {
		return nil, fmt.Errorf("allocate the identity of %s: %w", w.Name, err)
	}
	ids.localEndpointIdentity(id)
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
	if err := <-ids.updateDNS(ctx, time.Now(), dns.FQDN(a.Name), &fqdn.DNSIPRecords{IPs: ips, TTL: a.TTL}); err != nil {
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
		known := (&identity.Identity{ID: id}).IsWellKnown()
		if known && !used[id] {
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
