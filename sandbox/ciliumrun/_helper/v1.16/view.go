package main

import (
	"context"
	"fmt"
	"maps"
	"math/bits"
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
	"github.com/cilium/cilium/pkg/policy/trafficdirection"
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

// proxyPortPicker names and numbers the proxy port of a redirect, as the
// agent's proxy does (compat_*_1_16_5.go).
type proxyPortPicker interface {
	pick(parser policy.L7ParserType, listener string, ingress bool) (name string, port uint16, err error)
}

// computed is one endpoint's computed policy.
type computed struct {
	view      wire.WorkloadView
	listeners []string
}

// envoyListener is a redirect's Envoy listener.
type envoyListener struct {
	name   string
	parser policy.L7ParserType
	port   uint16
	ingr   bool
}

// computeView computes the endpoint's policy as 1.16's agent does on
// regeneration (pkg/endpoint policy.go and bpf.go): the policy cache's
// UpdatePolicy for its identity, Consume into the endpoint's policy, then
// a redirect for every filter that needs a proxy (UpdateRedirects, named
// with policy.ProxyID, on a proxy port of pkg/proxy/proxyports), which
// sets the proxy ports in the policy map; then the xDS server's
// UpdateNetworkPolicy (NPDS) and AddListener for each Envoy redirect, as
// pkg/proxy's Envoy integration names and configures it.
func (a *agent) computeView(_ context.Context, w wire.Workload, id *identity.Identity, ep *standInEndpoint,
	ports proxyPortPicker, originalSource bool) computed {
	out := computed{view: wire.WorkloadView{Workload: w, Identity: uint32(id.ID), EndpointID: ep.id, EndpointIPv4: ep.ipv4}}
	rec := newLogRecorder()
	stop := recordLogrus(rec)
	defer stop()
	repo := a.identities.repo
	repo.Mutex.RLock()
	sp := repo.GetPolicyCache().Lookup(id)
	err := updatePolicy(repo.GetPolicyCache(), id, ep.id)
	repo.Mutex.RUnlock()
	if sp == nil && err == nil {
		err = fmt.Errorf("no cached selectorPolicy found")
	}
	if err != nil {
		out.view.PolicyError, out.view.Logged = err.Error(), rec.recorded()
		return out
	}
	ep.redirects = map[string]uint16{}
	epp := sp.Consume(ep)
	var listeners []envoyListener
	desired := map[string]uint16{}
	changes := policy.ChangeState{Adds: make(policy.Keys), Old: make(map[policy.Key]policy.MapStateEntry)}
	for _, ingress := range []bool{true, false} {
		epp.UpdateRedirects(ingress, func(l4 *policy.L4Filter) map[string]uint16 {
			for _, v := range l4.PerSelectorPolicies {
				if v == nil || !v.IsRedirect() {
					continue
				}
				proxyID := policy.ProxyID(ep.id, l4.Ingress, string(l4.Protocol), l4.Port, v.Listener)
				if desired[proxyID] != 0 {
					continue
				}
				name, port, err := ports.pick(l4.L7Parser, v.Listener, l4.Ingress)
				if err != nil {
					out.view.Logged = append(out.view.Logged, err.Error())
					continue
				}
				desired[proxyID] = port
				r := wire.Redirect{ProxyID: proxyID, Parser: string(l4.L7Parser), ProxyPort: port}
				if l4.L7Parser != policy.ParserTypeDNS {
					r.Listener = net.JoinHostPort(name, strconv.Itoa(int(port)))
					listeners = append(listeners, envoyListener{r.Listener, l4.L7Parser, port, l4.Ingress})
				}
				out.view.Redirects = append(out.view.Redirects, r)
			}
			return desired
		}, changes)
	}
	ep.redirects = desired
	sort.Slice(out.view.Redirects, func(i, j int) bool { return out.view.Redirects[i].ProxyID < out.view.Redirects[j].ProxyID })
	epp.GetPolicyMap().ForEach(func(k policy.Key, v policy.MapStateEntry) bool {
		out.view.PolicyMap = append(out.view.PolicyMap, mapEntry(k, v))
		return true
	})
	sortPolicyMap(out.view.PolicyMap)
	if err, _ := a.xds.UpdateNetworkPolicy(ep, nil, &epp.L4Policy, epp.IngressPolicyEnabled, epp.EgressPolicyEnabled, nil); err != nil {
		out.view.PolicyError = fmt.Sprintf("xDS server: %v", err)
	}
	for _, l := range listeners {
		// pkg/proxy's Envoy redirect: the original source address only on
		// egress, and only when iptables supports it (assumed here).
		if err := addListener(a.xds, l.name, l.parser, l.port, l.ingr, originalSource && !l.ingr); err != nil {
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
	e := wire.PolicyMapEntry{
		TrafficDirection: trafficdirection.TrafficDirection(k.TrafficDirection).String(), Identity: k.Identity,
		Nexthdr: k.Nexthdr, DestPort: k.DestPort, DestPortPrefixLen: uint8(16 - bits.OnesCount16(k.InvertedPortMask)),
		ProxyPort: v.ProxyPort, IsDeny: v.IsDeny,
	}
	if v.AuthType != 0 {
		e.AuthType = v.AuthType.String()
	}
	return e
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

// recordLogrus keeps the warnings and errors Cilium's logrus logger logs
// (1.16's policy engine logs through it) in rec, until the returned func
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
