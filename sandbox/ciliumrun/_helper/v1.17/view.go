package main

import (
	"context"
	"fmt"
	"maps"
	"net"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/sirupsen/logrus"

	"github.com/cilium/cilium/pkg/identity"
	"github.com/cilium/cilium/pkg/logging"
	"github.com/cilium/cilium/pkg/policy"
	"github.com/cilium/cilium/pkg/proxy/proxyports"
	"github.com/cilium/cilium/pkg/proxy/types"

	"github.com/cilium-tls-intercept/sandbox/sandbox/ciliumrun/wire"
)

// flagOriginalSource is pkg/proxy's EnvoyProxyIntegrationConfig flag.
const flagOriginalSource = "proxy-use-original-source-address"

// standInProxyPorts are the ports given to the proxy ports the agent
// allocates at run time (pkg/proxy/proxyports picks a free one at random in
// proxy-portrange-min..max, or restores the one it had): fixed here so that
// two releases' outputs compare.
var standInProxyPorts = map[types.ProxyType]uint16{"dns": 10053, "http": 10080, "tls": 10443}

// computed is one endpoint's computed policy.
type computed struct {
	view      wire.WorkloadView
	listeners []string
}

// computeView computes the endpoint's policy as the agent does on
// regeneration: ComputeSelectorPolicy for its identity, a redirect for
// every filter that needs a proxy (named with policy.ProxyID, on a proxy
// port of pkg/proxy/proxyports), DistillPolicy into the policy map, then
// the xDS server's UpdateNetworkPolicy (NPDS) and AddListener for each
// Envoy redirect, as pkg/proxy's Envoy integration names and configures it.
func (a *agent) computeView(ctx context.Context, w wire.Workload, id *identity.Identity, ep *standInEndpoint,
	ports *proxyports.ProxyPorts, originalSource bool) computed {
	out := computed{view: wire.WorkloadView{Workload: w, Identity: uint32(id.ID), EndpointID: ep.id, EndpointIPv4: ep.ipv4}}
	rec := newLogRecorder()
	stop := recordLogrus(rec)
	defer stop()
	sp, err := a.selectorPolicy(id, ep.id)
	if err != nil {
		out.view.PolicyError, out.view.Logged = err.Error(), rec.recorded()
		return out
	}
	redirects := map[string]uint16{}
	type listener struct {
		name   string
		parser policy.L7ParserType
		port   uint16
		ingr   bool
	}
	var envoyListeners []listener
	for l4, tuple := range sp.RedirectFilters() {
		parser := l4.L7Parser
		proxyID := policy.ProxyID(ep.id, l4.Ingress, string(l4.Protocol), l4.Port, tuple.GetListener())
		if _, seen := redirects[proxyID]; seen {
			continue // one redirect per proxy ID, as pkg/endpoint addNewRedirects makes
		}
		name, pp := ports.FindByTypeWithReference(types.ProxyType(parser), tuple.GetListener(), l4.Ingress)
		if pp == nil {
			out.view.Logged = append(out.view.Logged, fmt.Sprintf("no proxy port for parser %s", parser))
			continue
		}
		if pp.ProxyPort == 0 {
			pp.ProxyPort = standInProxyPorts[types.ProxyType(parser)]
		}
		if err := ports.AllocatePort(pp, false); err != nil {
			out.view.Logged = append(out.view.Logged, fmt.Sprintf("allocate proxy port %s: %v", name, err))
			continue
		}
		redirects[proxyID] = pp.ProxyPort
		r := wire.Redirect{ProxyID: proxyID, Parser: string(parser), ProxyPort: pp.ProxyPort}
		if parser != policy.ParserTypeDNS {
			r.Listener = net.JoinHostPort(name, strconv.Itoa(int(pp.ProxyPort)))
			envoyListeners = append(envoyListeners, listener{r.Listener, parser, pp.ProxyPort, l4.Ingress})
		}
		out.view.Redirects = append(out.view.Redirects, r)
	}
	sort.Slice(out.view.Redirects, func(i, j int) bool { return out.view.Redirects[i].ProxyID < out.view.Redirects[j].ProxyID })
	epp := sp.DistillPolicy(ep, redirects)
	for k, v := range epp.Entries() {
		out.view.PolicyMap = append(out.view.PolicyMap, mapEntry(k, v))
	}
	sortPolicyMap(out.view.PolicyMap)
	ep.desired = epp
	if a.regenerates(ep, out.view.PolicyMap) {
		if err, _ := a.xds.UpdateNetworkPolicy(ep, &epp.L4Policy, epp.IngressPolicyEnabled, epp.EgressPolicyEnabled, nil); err != nil {
			out.view.PolicyError = fmt.Sprintf("xDS server: %v", err)
		}
	}
	for _, l := range envoyListeners {
		// pkg/proxy envoyProxyIntegration.createRedirect: egress only, and
		// only when iptables supports it (assumed here).
		mayUseOriginalSource := originalSource && !l.ingr
		if err := a.xds.AddListener(l.name, l.parser, l.port, l.ingr, mayUseOriginalSource, nil, nil); err != nil {
			out.view.Logged = append(out.view.Logged, fmt.Sprintf("add listener %s: %v", l.name, err))
			continue
		}
		out.listeners = append(out.listeners, l.name)
	}
	out.view.Logged = append(out.view.Logged, rec.recorded()...)
	return out
}

// mapEntry renders one policy-map entry with Cilium's field names.
func mapEntry(k policy.Key, v policy.MapStateEntry) wire.PolicyMapEntry {
	return wire.PolicyMapEntry{
		TrafficDirection: k.TrafficDirection().String(), Identity: uint32(k.Identity), Nexthdr: uint8(k.Nexthdr),
		DestPort: k.DestPort, DestPortPrefixLen: k.PortPrefixLen(), ProxyPort: v.ProxyPort, IsDeny: v.IsDeny(),
		AuthType: authType(v),
	}
}

func sortPolicyMap(es []wire.PolicyMapEntry) {
	sort.Slice(es, func(i, j int) bool {
		a, b := es[i], es[j]
		if a.TrafficDirection != b.TrafficDirection {
			return a.TrafficDirection > b.TrafficDirection // Egress first
		}
		if a.DestPort != b.DestPort {
			return a.DestPort < b.DestPort
		}
		if a.Nexthdr != b.Nexthdr {
			return a.Nexthdr < b.Nexthdr
		}
		return a.Identity < b.Identity
	})
}

// authType is the entry's authentication type, "" when none is required.
func authType(v policy.MapStateEntry) string {
	if v.AuthRequirement == 0 {
		return ""
	}
	return v.AuthRequirement.AuthType().String()
}

// recordLogrus keeps the warnings and errors Cilium's logrus logger logs
// (1.17's policy engine logs through it) in rec, until the returned func
// is called.
func recordLogrus(rec *logRecorder) func() {
	h := &logrusRecorder{rec: rec}
	logging.DefaultLogger.AddHook(h)
	return func() { h.off.Store(true) }
}

// logrusRecorder is a logrus hook feeding a logRecorder.
type logrusRecorder struct {
	rec *logRecorder
	off atomic.Bool
}

func (h *logrusRecorder) Levels() []logrus.Level {
	return []logrus.Level{logrus.PanicLevel, logrus.FatalLevel, logrus.ErrorLevel, logrus.WarnLevel}
}

func (h *logrusRecorder) Fire(e *logrus.Entry) error {
	if h.off.Load() {
		return nil
	}
	line := strings.ToUpper(e.Level.String()) + " " + e.Message
	for _, k := range slices.Sorted(maps.Keys(e.Data)) {
		line += fmt.Sprintf(" %s=%q", k, fmt.Sprint(e.Data[k]))
	}
	h.rec.record(line)
	return nil
}
