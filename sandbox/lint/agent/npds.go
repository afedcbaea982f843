package agent

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// portRule is one NPDS rule, as much of it as the summaries need.
type portRule struct {
	remotes     []uint32
	terminate   string // the downstream TLS context: an SDS name or "inline ..."
	originate   string // the upstream TLS context
	sdsNames    []string
	serverNames []string
	httpRules   int
	hasHTTP     bool
}

// portPolicy is one NPDS per-port policy.
type portPolicy struct {
	port     uint32
	endPort  uint32
	protocol string
	rules    []portRule
}

// egressPolicies reads an NPDS resource's egress per-port policies.
func egressPolicies(raw json.RawMessage) []portPolicy {
	var np struct {
		Egress []struct {
			Port     uint32                       `json:"port"`
			EndPort  uint32                       `json:"endPort"`
			Protocol string                       `json:"protocol"`
			Rules    []map[string]json.RawMessage `json:"rules"`
		} `json:"egressPerPortPolicies"`
	}
	if json.Unmarshal(raw, &np) != nil {
		return nil
	}
	var out []portPolicy
	for _, pp := range np.Egress {
		p := portPolicy{port: pp.Port, endPort: pp.EndPort, protocol: pp.Protocol}
		if p.protocol == "" {
			p.protocol = "TCP"
		}
		for _, r := range pp.Rules {
			p.rules = append(p.rules, readRule(r))
		}
		out = append(out, p)
	}
	return out
}

func readRule(r map[string]json.RawMessage) portRule {
	var out portRule
	_ = json.Unmarshal(r["remotePolicies"], &out.remotes)
	_ = json.Unmarshal(r["serverNames"], &out.serverNames)
	out.terminate, out.sdsNames = tlsContext(r["downstreamTlsContext"], out.sdsNames)
	out.originate, out.sdsNames = tlsContext(r["upstreamTlsContext"], out.sdsNames)
	if h, ok := r["httpRules"]; ok {
		var hr struct {
			HTTPRules []json.RawMessage `json:"httpRules"`
		}
		_ = json.Unmarshal(h, &hr)
		out.hasHTTP, out.httpRules = true, len(hr.HTTPRules)
	}
	return out
}

// tlsContext summarises a cilium.TLSContext: the SDS secrets it names, or
// which inline parts it carries.
func tlsContext(raw json.RawMessage, sds []string) (string, []string) {
	if len(raw) == 0 {
		return "", sds
	}
	var c map[string]any
	if json.Unmarshal(raw, &c) != nil {
		return "", sds
	}
	var parts []string
	for _, k := range []string{"tlsSdsSecret", "validationContextSdsSecret"} {
		if n, _ := c[k].(string); n != "" {
			parts = append(parts, k+" "+n)
			sds = append(sds, n)
		}
	}
	var inline []string
	for _, k := range []string{"certificateChain", "privateKey", "trustedCa"} {
		if _, ok := c[k]; ok {
			inline = append(inline, k)
		}
	}
	if len(inline) > 0 {
		parts = append(parts, "inline "+strings.Join(inline, ", "))
	}
	return strings.Join(parts, ", "), sds
}

// portText renders a per-port policy's port.
func (p portPolicy) portText() string {
	if p.endPort > p.port {
		return fmt.Sprintf("%d-%d/%s", p.port, p.endPort, p.protocol)
	}
	if p.port == 0 {
		return "any-port/" + p.protocol
	}
	return fmt.Sprintf("%d/%s", p.port, p.protocol)
}

// remotesText names a rule's remote identities.
func (r portRule) remotesText(names map[uint32]string) string {
	if len(r.remotes) == 0 {
		return "any peer"
	}
	var ns []string
	for _, id := range r.remotes {
		ns = append(ns, fmt.Sprintf("%d %s", id, nameOf(names, id)))
	}
	sort.Strings(ns)
	return strings.Join(ns, "; ")
}
