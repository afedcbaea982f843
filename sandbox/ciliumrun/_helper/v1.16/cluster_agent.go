package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/sirupsen/logrus"

	"github.com/cilium/cilium/pkg/defaults"
	"github.com/cilium/cilium/pkg/fqdn/re"
	"github.com/cilium/cilium/pkg/identity"
	"github.com/cilium/cilium/pkg/logging"

	"github.com/cilium-tls-intercept/sandbox/sandbox/ciliumrun/wire"
)

// clusterAgent is cluster mode: the agent running against a real API
// server (1.16's operator syncs no policy secrets), with the agent's state (policies
// imported, endpoints, DNS answers seen) kept across views.
type clusterAgent struct {
	log    *slog.Logger
	cfg    ciliumConfig
	runDir string
	a      *agent
	ports  proxyPortPicker
	// policies are the policy objects imported, by kind/namespace/name.
	policies map[string]importedPolicy
	// endpoints are the stand-in endpoints, by workload name.
	endpoints map[string]*clusterEndpoint
	// answered are the DNS answers fed, name to addresses; addrs the
	// names each address was given for.
	answered map[string]string
	addrs    map[string][]string
}

// noPolicySecretSync is why no operator runs for 1.16.
const noPolicySecretSync = "Cilium 1.16's operator has no policy secret sync (it arrived in 1.17)"

// clusterEndpoint is a workload's stand-in endpoint and its identity.
type clusterEndpoint struct {
	w  wire.Workload
	id *identity.Identity
	ep *standInEndpoint
}

// startCluster starts the agent against the API server of in.Kubeconfig,
// configured from cfg as Cilium's agent is from its mounted cilium-config.
// No operator starts: 1.16's has no policy secret sync, so the agent reads
// each secret where the policy names it.
func (s *session) startCluster(ctx context.Context, in *wire.StartRequest, data map[string]string) (_ clusterMode, _ *wire.Started, err error) {
	logging.SetLogLevel(logrus.WarnLevel)
	c := &clusterAgent{log: logging.DefaultSlogLogger, cfg: ciliumConfig(data), policies: map[string]importedPolicy{},
		endpoints: map[string]*clusterEndpoint{}, answered: map[string]string{}, addrs: map[string][]string{}}
	// The FQDN regex cache matchPattern selectors compile through, which
	// 1.16's daemon initializes (daemon/cmd fqdn.go), at its default size.
	if err := re.InitRegexCompileLRU(defaults.FQDNRegexCompileLRUSize); err != nil {
		return nil, nil, err
	}
	if c.runDir, err = runDirectory(); err != nil {
		return nil, nil, err
	}
	defer func() {
		if err != nil {
			err = errors.Join(err, c.stop(context.WithoutCancel(ctx)))
		}
	}()
	started := &wire.Started{Settings: daemonConfig(c.cfg, c.runDir), StandIns: clusterStandIns()}
	started.Settings = append(started.Settings, operatorSettings(c.cfg)...)
	started.Operator = wire.Operator{Reason: noPolicySecretSync}
	if c.a, err = startAgent(ctx, c.log, c.cfg, c.runDir, realAPIServer(in.Kubeconfig)); err != nil {
		return nil, nil, fmt.Errorf("agent: %w", err)
	}
	started.Settings = append(started.Settings, c.a.settings(c.cfg)...)
	if err := c.a.identities.waitReady(ctx); err != nil {
		return nil, nil, err
	}
	c.ports = newProxyPortPicker()
	dnsID, err := c.a.identities.podIdentity(ctx, kubeDNS, c.a.cluster.Name)
	if err != nil {
		return nil, nil, err
	}
	if err := c.a.identities.addPod(kubeDNSAddress, dnsID.ID); err != nil {
		return nil, nil, err
	}
	c.addrs[kubeDNSAddress] = nil
	return c, started, nil
}

// stop stops the agent and removes the run directory.
func (c *clusterAgent) stop(ctx context.Context) error {
	var errs []error
	if c.a != nil {
		errs = append(errs, c.a.stop(ctx))
	}
	return errors.Join(append(errs, removeRunDir(c.runDir))...)
}

// view imports the API server's policies, computes the workload's
// endpoint's policy as its regeneration does, hands the DNS answers not
// seen yet to the name manager, computes it again with the identities they
// made, and reads what the xDS server then serves Envoy.
func (c *clusterAgent) view(ctx context.Context, in *wire.ViewRequest) (*wire.ClusterView, error) {
	out := &wire.ClusterView{}
	var err error
	if out.Policies, err = c.importPolicies(ctx); err != nil {
		return nil, err
	}
	e, err := c.endpoint(ctx, in.Workload)
	if err != nil {
		return nil, err
	}
	originalSource := c.cfg.boolean(flagOriginalSource, true)
	c.a.computeView(ctx, e.w, e.id, e.ep, c.ports, originalSource)
	for _, ans := range in.DNS {
		if err := c.resolve(ctx, ans); err != nil {
			return nil, err
		}
	}
	comp := c.a.computeView(ctx, e.w, e.id, e.ep, c.ports, originalSource)
	out.Revision = c.a.identities.repo.GetRevision()
	out.Identities, out.IPCache = c.a.identities.view(c.addrs)
	out.View = comp.view
	if err := c.a.fetchXDS(ctx, &out.View, comp.listeners, c.a.sdsNames(), in.IncludeSecretValues); err != nil {
		return nil, err
	}
	return out, nil
}

// resolve hands an answer to the name manager unless the same answer was
// handed before (the DNS proxy sees a repeated answer too, but it changes
// nothing until the TTL passes).
func (c *clusterAgent) resolve(ctx context.Context, ans wire.DNSAnswer) error {
	key := strings.Join(slices.Sorted(slices.Values(ans.Addresses)), ",")
	if c.answered[ans.Name] == key {
		return nil
	}
	if err := c.a.identities.resolve(ctx, ans); err != nil {
		return err
	}
	c.answered[ans.Name] = key
	for _, addr := range ans.Addresses {
		if !slices.Contains(c.addrs[addr], ans.Name) {
			c.addrs[addr] = append(c.addrs[addr], ans.Name)
		}
	}
	return nil
}

// sameLabels says whether w has the labels the endpoint was made for.
func (e *clusterEndpoint) sameLabels(w wire.Workload) bool {
	return maps.Equal(e.w.Labels, w.Labels) && e.w.Namespace == w.Namespace
}

// endpoint returns the workload's stand-in endpoint, made at its first
// view (or when its labels changed): its identity allocated from the
// pod's labels and its namespace's (read from the API server when the
// request has none), its address put in the IP cache.
func (c *clusterAgent) endpoint(ctx context.Context, w wire.Workload) (*clusterEndpoint, error) {
	if e, ok := c.endpoints[w.Name]; ok && e.sameLabels(w) {
		return e, nil
	}
	if w.NamespaceLabels == nil {
		ns, err := c.a.cs.CoreV1().Namespaces().Get(ctx, w.Namespace, metav1.GetOptions{})
		if err != nil {
			return nil, fmt.Errorf("namespace of %s: %w", w.Name, err)
		}
		w.NamespaceLabels = ns.Labels
	}
	if w.ServiceAccount == "" {
		w.ServiceAccount = "default"
	}
	id, err := c.a.identities.podIdentity(ctx, w, c.a.cluster.Name)
	if err != nil {
		return nil, err
	}
	i := len(c.endpoints)
	e := &clusterEndpoint{w: w, id: id, ep: &standInEndpoint{id: uint16(i + 1), ipv4: podAddress(i)}}
	if err := c.a.identities.addPod(e.ep.ipv4, id.ID); err != nil {
		return nil, err
	}
	c.addrs[e.ep.ipv4] = nil
	c.endpoints[w.Name] = e
	return e, nil
}

// secrets lists the SDS secrets the agent's xDS server serves: none for
// policies before 1.17, which puts their values inline in NPDS.
func (c *clusterAgent) secrets(ctx context.Context, keep bool) ([]wire.SDSSecret, error) {
	names := c.a.sdsNames()
	if len(names) == 0 {
		return nil, nil
	}
	x, err := dialXDS(c.a.xdsSocket(), c.a.adsMode())
	if err != nil {
		return nil, err
	}
	defer x.Close()
	return fetchSecrets(ctx, x, names, keep, sdsMissingTimeout)
}

// clusterStandIns names what stands in for what in cluster mode.
func clusterStandIns() []string {
	return []string{
		"API server: the cluster's own, through Cilium's Kubernetes client",
		"operator: not run (1.16's has no policy secret sync)",
		"endpoints: a stand-in per workload with a made-up ID and address; its identity comes from Cilium's allocator",
		"kube-dns: a pod labelled k8s-app=kube-dns in kube-system, at " + kubeDNSAddress,
		"DNS proxy: each answer is handed to Cilium's name manager as the DNS proxy hands it an allowed response",
		"policy watcher: each view imports the policies the API server holds; a policy whose resourceVersion did not change is not imported again",
		proxyPortsStandIn,
		"Envoy: an xDS client reads what the agent's xDS server serves; nothing applies it",
	}
}
