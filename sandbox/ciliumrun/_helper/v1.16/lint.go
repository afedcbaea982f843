package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/cilium/cilium/pkg/identity"
	"github.com/sirupsen/logrus"

	"github.com/cilium/cilium/pkg/defaults"
	"github.com/cilium/cilium/pkg/fqdn/re"
	"github.com/cilium/cilium/pkg/logging"

	ipcachetypes "github.com/cilium/cilium/pkg/ipcache/types"

	"github.com/cilium-tls-intercept/sandbox/sandbox/ciliumrun/wire"
)

// kubeDNS is the kube-dns workload every cluster runs: its pods' labels
// as Kubernetes' and kind's CoreDNS Deployments set them, which the DNS
// rules of policies select.
var kubeDNS = wire.Workload{Name: "Deployment kube-system/coredns (stand-in)", Namespace: "kube-system",
	Labels: map[string]string{"k8s-app": "kube-dns"}, ServiceAccount: "coredns"}

// lint runs the operator's secret sync, then the agent, on the request's
// manifests.
func lint(ctx context.Context, in *wire.LintRequest) (_ *wire.LintResult, err error) {
	logging.SetLogLevel(logrus.WarnLevel)
	logger := logging.DefaultSlogLogger
	// The FQDN regex cache matchPattern selectors compile through, which
	// 1.16's daemon initializes (daemon/cmd fqdn.go), at its default size.
	if err := re.InitRegexCompileLRU(defaults.FQDNRegexCompileLRUSize); err != nil {
		return nil, err
	}
	m, err := readManifests(in)
	if err != nil {
		return nil, err
	}
	cfg := ciliumConfig(in.Config)
	runDir, err := runDirectory()
	if err != nil {
		return nil, err
	}
	defer func() { err = errors.Join(err, removeRunDir(runDir)) }()
	res := &wire.LintResult{Settings: daemonConfig(cfg, runDir), StandIns: standIns()}
	res.Settings = append(res.Settings, operatorSettings(cfg)...)
	op, err := runOperator(ctx, logger, cfg, m)
	if err != nil {
		return nil, fmt.Errorf("operator: %w", err)
	}
	res.Operator = op.result
	a, err := startAgent(ctx, logger, cfg, runDir, fakeAPIServer(op.secrets, m.namespaceObjects(kubeDNS.Namespace)))
	if err != nil {
		return nil, fmt.Errorf("agent: %w", err)
	}
	defer func() { err = errors.Join(err, a.stop(context.WithoutCancel(ctx))) }()
	res.Settings = append(res.Settings, a.settings(cfg)...)
	var parsed []parsedPolicy
	res.Policies, parsed = parsePolicies(m)
	for _, p := range parsed {
		id := ipcachetypes.NewResourceID(resourceKind(p.obj.kind), p.obj.namespace, p.obj.name)
		// As daemon/cmd policy.go's policyAdd does, under the repository's lock.
		a.identities.repo.Mutex.Lock()
		a.identities.repo.ReplaceByResourceLocked(p.rules, id)
		a.identities.repo.Mutex.Unlock()
	}
	if err := a.identities.waitReady(ctx); err != nil {
		return nil, err
	}
	return res, a.views(ctx, cfg, in, res)
}

// views computes each workload's view: first once before the DNS answers
// (as the endpoint's first regeneration, which registers its FQDN
// selectors with the name manager), then the answers, then the views
// reported.
func (a *agent) views(ctx context.Context, cfg ciliumConfig, in *wire.LintRequest, res *wire.LintResult) error {
	ports := newProxyPortPicker()
	addrs := map[string][]string{}
	dnsID, err := a.identities.podIdentity(ctx, kubeDNS, a.cluster.Name)
	if err != nil {
		return err
	}
	if err := a.identities.addPod(kubeDNSAddress, dnsID.ID); err != nil {
		return err
	}
	addrs[kubeDNSAddress] = nil
	type endpoint struct {
		w  wire.Workload
		id *identity.Identity
		ep *standInEndpoint
	}
	var eps []endpoint
	for i, w := range in.Workloads {
		id, err := a.identities.podIdentity(ctx, w, a.cluster.Name)
		if err != nil {
			return err
		}
		ep := &standInEndpoint{id: uint16(i + 1), ipv4: podAddress(i)}
		if err := a.identities.addPod(ep.ipv4, id.ID); err != nil {
			return err
		}
		addrs[ep.ipv4] = nil
		eps = append(eps, endpoint{w, id, ep})
	}
	originalSource := cfg.boolean(flagOriginalSource, true)
	for _, e := range eps {
		a.computeView(ctx, e.w, e.id, e.ep, ports, originalSource)
	}
	for _, ans := range in.DNS {
		if err := a.identities.resolve(ctx, ans); err != nil {
			return err
		}
		for _, addr := range ans.Addresses {
			addrs[addr] = append(addrs[addr], ans.Name)
		}
	}
	var all []computed
	for _, e := range eps {
		all = append(all, a.computeView(ctx, e.w, e.id, e.ep, ports, originalSource))
	}
	res.Identities, res.IPCache = a.identities.view(addrs)
	for _, c := range all {
		v := c.view
		if err := a.fetchXDS(ctx, &v, c.listeners, a.sdsNames(), in.IncludeSecretValues); err != nil {
			return err
		}
		res.Workloads = append(res.Workloads, v)
	}
	return nil
}

// resourceKind is the IP cache resource kind of a policy kind.
func resourceKind(kind string) ipcachetypes.ResourceKind {
	if kind == kindCCNP {
		return ipcachetypes.ResourceKindCCNP
	}
	return ipcachetypes.ResourceKindCNP
}
