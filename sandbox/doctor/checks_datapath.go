package doctor

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/cilium/cilium/pkg/policy/api"
)

// eachTarget judges every selected workload pod's data path with judge and
// combines the findings: the first failure, else the first skip (a pod
// that could not be judged keeps the check from passing), else a pass.
func (e *env) eachTarget(judge func(datapathTarget) Finding) Finding {
	targets, err := e.datapathTargets()
	if err != nil {
		return skip(err.Error())
	}
	if len(targets) == 0 {
		return skip("no workload pod the TLS policies select is a Cilium endpoint with an ID")
	}
	fs := make([]Finding, len(targets))
	for i, t := range targets {
		fs[i] = judge(t)
	}
	return combineFindings(fs)
}

func combineFindings(fs []Finding) Finding {
	if len(fs) == 1 {
		return fs[0]
	}
	var ev []string
	for _, f := range fs {
		ev = append(ev, f.Reason)
	}
	for _, st := range []Status{StatusFail, StatusUnread, StatusSkip, StatusWarn} {
		for _, f := range fs {
			if f.Status == st {
				f.Evidence = append(ev, f.Evidence...)
				return f
			}
		}
	}
	return pass(fmt.Sprintf("%d pods: %s", len(fs), fs[0].Reason), ev...)
}

// agentExec is the command that runs args in t's agent, for fixes.
func (e *env) agentExec(t datapathTarget, args string) string {
	return fmt.Sprintf("kubectl -n %s exec %s -c %s -- cilium-dbg %s", e.scope.CiliumNamespace, t.Agent, agentContainer, args)
}

// tlsPortsOf returns the TLS port rules that select pod t.
func (e *env) tlsPortsOf(t datapathTarget) []tlsPort {
	var out []tlsPort
	for _, tp := range e.ports() {
		if ok, _ := selects(tp.Rule.EndpointSelector, t.Pod); ok {
			out = append(out, tp)
		}
	}
	return out
}

// tcpPorts returns the TCP ports of a TLS port rule.
func tcpPorts(tp tlsPort) []int {
	var out []int
	for _, p := range tp.Port.Ports {
		if n, err := strconv.Atoi(p.Port); err == nil && (p.Protocol == "" || strings.EqualFold(string(p.Protocol), "TCP") || strings.EqualFold(string(p.Protocol), "ANY")) {
			out = append(out, n)
		}
	}
	return out
}

// fqdnKey is the selector cache's key of a toFQDNs selector ("MatchName: x,
// MatchPattern: " in 1.16 to 1.20, pkg/policy/api FQDNSelector.String),
// lower-cased and without trailing dots so spellings compare equal.
func fqdnKey(s api.FQDNSelector) string {
	s.MatchName = strings.TrimSuffix(strings.ToLower(s.MatchName), ".")
	s.MatchPattern = strings.TrimSuffix(strings.ToLower(s.MatchPattern), ".")
	return s.String()
}

var fqdnKeyPattern = regexp.MustCompile(`^MatchName: (.*), MatchPattern: (.*)$`)

// canonicalSelector returns a selector string as fqdnKey spells it when it
// is a toFQDNs selector, else the string itself.
func canonicalSelector(k string) string {
	if m := fqdnKeyPattern.FindStringSubmatch(k); m != nil {
		return fqdnKey(api.FQDNSelector{MatchName: m[1], MatchPattern: m[2]})
	}
	return k
}

// fqdnIdentities returns, for each toFQDNs selector of eg, the identities
// the agent's selector cache says it selects.
func fqdnIdentities(eg *api.EgressRule, cache map[string][]int64) map[string][]int64 {
	norm := map[string][]int64{}
	for k, ids := range cache {
		norm[canonicalSelector(k)] = ids
	}
	out := map[string][]int64{}
	for _, s := range eg.ToFQDNs {
		out[s.String()] = norm[fqdnKey(s)]
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func idList(ids []int64) string {
	if len(ids) == 0 {
		return "none"
	}
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(s, ", ")
}

// datapathChecks are the checks of what the Cilium agent on the workload's
// node realized, what its Envoy holds and what Hubble saw, run after the
// configuration checks.
func datapathChecks() []check {
	return []check{
		{id: "endpoint-redirect", title: "the endpoint redirects its TLS ports to Envoy", needs: []string{"endpoints-managed"}, reads: []Kind{KindAgentOutput}, run: checkEndpointRedirect},
		{id: "fqdn-learned", title: "the DNS proxy learned the intercepted names", needs: []string{"endpoints-managed", "dns-rule"}, reads: []Kind{KindAgentOutput}, run: checkFQDNLearned},
		{id: "shared-address", title: "no address shared by names that want different TLS", needs: []string{"endpoints-managed"}, reads: []Kind{KindAgentOutput}, run: checkSharedAddress},
		{id: "envoy-secrets", title: "Envoy holds the current certificate of each policy secret", needs: []string{"endpoint-redirect", "secret-keys", "envoy"}, reads: []Kind{KindAgentOutput}, run: checkEnvoySecrets},
		{id: "hubble-flows", title: "Hubble saw the workload's HTTPS go through Envoy", needs: []string{"endpoints-managed", "envoy"}, reads: []Kind{KindHubbleFlow}, run: checkHubbleFlows},
		{id: "upstream-trust", title: "Envoy verifies the real servers against the upstream trust", needs: []string{"envoy-secrets", "hubble-flows"}, reads: []Kind{KindAgentOutput}, run: checkUpstreamTrust},
		{id: "upstream-client-cert", title: "the real servers ask Envoy for no client certificate", needs: []string{"upstream-trust"}, reads: []Kind{KindAgentOutput}, run: checkUpstreamClientCert},
		{id: "uncovered-port", title: "the workload reaches the intercepted names only on the TLS ports", needs: []string{"endpoints-managed"}, reads: []Kind{KindHubbleFlow}, run: checkUncoveredPort},
		{id: "http-denied", title: "no request denied by an HTTP rule", needs: []string{"hubble-flows"}, reads: []Kind{KindHubbleFlow}, run: checkHTTPDenied},
	}
}
