package sharedaddr

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/cilium/cilium/pkg/fqdn/dns"
	"github.com/cilium/cilium/pkg/fqdn/matchpattern"
	"github.com/cilium/cilium/pkg/policy/api"
)

// Use is one toPorts entry of a policy's toFQDNs egress rule on one TCP
// port: an intercept group (a terminating TLS secret) or a pass-through.
type Use struct {
	// Policy names the policy ("CiliumNetworkPolicy ns/name").
	Policy string
	// Where is the entry in the policy ("egress[0].toPorts[0]").
	Where string
	// Port is the TCP port.
	Port uint16
	// FQDNs are the rule's toFQDNs selectors.
	FQDNs api.FQDNSelectorSlice
	// Terminating is the terminating TLS secret ("ns/name"); "" for a
	// pass-through.
	Terminating string
	// ServerNames are the entry's serverNames.
	ServerNames []string
	// HTTP are the entry's rules.http; nil when it has none.
	HTTP []api.PortRuleHTTP
}

// Intercepts reports whether the use terminates TLS.
func (u *Use) Intercepts() bool { return u.Terminating != "" }

// Selects reports whether one of the use's selectors selects name, as the
// agent matches a DNS answer's name (matchName exactly, matchPattern
// through Cilium's own pattern compiler).
func (u *Use) Selects(name string) bool {
	fq := dns.FQDN(name)
	for _, s := range u.FQDNs {
		if s.MatchName != "" && dns.FQDN(strings.ToLower(s.MatchName)) == fq {
			return true
		}
		if s.MatchPattern != "" {
			re, err := matchpattern.ValidateWithoutCache(matchpattern.Sanitize(s.MatchPattern))
			if err == nil && re.MatchString(fq) {
				return true
			}
		}
	}
	return false
}

// String names the use for messages.
func (u *Use) String() string {
	if u.Intercepts() {
		return fmt.Sprintf("%s %s (intercepted with %s)", u.Policy, u.Where, u.Terminating)
	}
	return fmt.Sprintf("%s %s (passed through)", u.Policy, u.Where)
}

// UsesOf lists the uses of a policy's rules: each egress rule with
// toFQDNs, each of its toPorts entries, each TCP port. Secrets without a
// namespace are named in ns, the policy's.
func UsesOf(policy, ns string, rules api.Rules) []Use {
	var out []Use
	for _, r := range rules {
		for i, e := range r.Egress {
			if len(e.ToFQDNs) == 0 {
				continue
			}
			for j, pr := range e.ToPorts {
				for _, port := range tcpPorts(pr) {
					u := Use{Policy: policy, Where: fmt.Sprintf("egress[%d].toPorts[%d]", i, j), Port: port,
						FQDNs: e.ToFQDNs, ServerNames: serverNames(pr)}
					if t := pr.TerminatingTLS; t != nil && t.Secret != nil {
						u.Terminating = secretName(t.Secret, ns)
					}
					if pr.Rules != nil && pr.Rules.HTTP != nil {
						u.HTTP = pr.Rules.HTTP
					}
					out = append(out, u)
				}
			}
		}
	}
	return out
}

func tcpPorts(pr api.PortRule) []uint16 {
	var out []uint16
	for _, p := range pr.Ports {
		proto := strings.ToUpper(string(p.Protocol))
		if n, err := strconv.ParseUint(p.Port, 10, 16); err == nil && n > 0 && (proto == "" || proto == "TCP" || proto == "ANY") {
			out = append(out, uint16(n))
		}
	}
	return out
}

func serverNames(pr api.PortRule) []string {
	var out []string
	for _, s := range pr.ServerNames {
		out = append(out, string(s))
	}
	return out
}

func secretName(s *api.Secret, ns string) string {
	if s.Namespace != "" {
		ns = s.Namespace
	}
	return ns + "/" + s.Name
}
