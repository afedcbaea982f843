package validate

import (
	"fmt"
	"log/slog"
	"strings"

	ciliumv2 "github.com/cilium/cilium/pkg/k8s/apis/cilium.io/v2"
	"github.com/cilium/cilium/pkg/policy/api"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/cilium-tls-intercept/sandbox/sandbox/versions"
)

// clusterName is the Cilium cluster name policies are parsed for; it only
// qualifies cross-cluster selectors.
const clusterName = "default"

// policyParseError carries Cilium's own rejection of a policy.
type policyParseError struct{ err error }

func (e policyParseError) Error() string { return e.err.Error() }

// parsePolicy decodes a CiliumNetworkPolicy or CiliumClusterwideNetworkPolicy
// and runs Cilium's Parse on it, which sanitizes every rule as the agent does.
// A CiliumNetworkPolicy without a namespace gets defaultNS, as on apply.
//
// Nothing global is set up first, and nothing is: in Cilium 1.20 the FQDN
// regex cache (pkg/fqdn/re) is created when the package is initialised (1.18
// needed re.InitRegexCompileLRU), and Sanitize reads option.Config, whose
// defaults are an agent's (L7 proxy on), which is what the sandbox installs.
func parsePolicy(obj *unstructured.Unstructured, defaultNS string) (*policy, error) {
	logger := slog.New(slog.DiscardHandler)
	var (
		rules api.Rules
		err   error
		ns    string
	)
	switch obj.GetKind() {
	case "CiliumNetworkPolicy":
		cnp := &ciliumv2.CiliumNetworkPolicy{}
		if err := decodeInto(obj, cnp); err != nil {
			return nil, fmt.Errorf("decode CiliumNetworkPolicy: %w", err)
		}
		if cnp.Namespace == "" {
			cnp.Namespace = defaultNS
		}
		ns = cnp.Namespace
		rules, err = cnp.Parse(logger, clusterName)
	default:
		ccnp := &ciliumv2.CiliumClusterwideNetworkPolicy{}
		if err := decodeInto(obj, ccnp); err != nil {
			return nil, fmt.Errorf("decode CiliumClusterwideNetworkPolicy: %w", err)
		}
		rules, err = ccnp.Parse(logger, clusterName)
	}
	if err != nil {
		return nil, policyParseError{err}
	}
	return &policy{id: objectID(obj.GetKind(), ns, obj.GetName()), namespace: ns, rules: rules}, nil
}

// versionProblems reports what Cilium 1.20's Go code accepts but the target
// release does not: serverNames wildcards and "**." patterns.
func versionProblems(p policy, v versions.Cilium) []Problem {
	var out []Problem
	visit := func(where string, pr api.PortRule) {
		for _, sn := range pr.ServerNames {
			if msg := serverNameProblem(string(sn), v); msg != "" {
				out = append(out, Problem{Object: p.id, Check: CheckServerNames, Message: where + ": " + msg,
					Fix: "list exact names (wildcards need Cilium 1.18 for a leading \"*.\" or \"**.\", 1.20 anywhere)"})
			}
		}
		if pr.Rules != nil {
			for _, d := range pr.Rules.DNS {
				if msg := patternProblem(d.MatchPattern, v); msg != "" {
					out = append(out, Problem{Object: p.id, Check: CheckMatchPattern, Message: where + ".rules.dns: " + msg, Fix: doubleStarFix})
				}
			}
		}
	}
	for _, r := range p.rules {
		for i, e := range r.Egress {
			for _, f := range e.ToFQDNs {
				if msg := patternProblem(f.MatchPattern, v); msg != "" {
					out = append(out, Problem{Object: p.id, Check: CheckMatchPattern, Message: fmt.Sprintf("egress[%d].toFQDNs: %s", i, msg), Fix: doubleStarFix})
				}
			}
			for j, pr := range e.ToPorts {
				visit(fmt.Sprintf("egress[%d].toPorts[%d]", i, j), pr)
			}
		}
		for i, in := range r.Ingress {
			for j, pr := range in.ToPorts {
				visit(fmt.Sprintf("ingress[%d].toPorts[%d]", i, j), pr)
			}
		}
	}
	return out
}

const doubleStarFix = "use one-label \"*.\" patterns or list the names (\"**.\" needs Cilium 1.19)"

// serverNameProblem says why release v rejects serverName sn, or "".
func serverNameProblem(sn string, v versions.Cilium) string {
	if !strings.Contains(sn, "*") {
		return ""
	}
	switch v.ServerNameWildcards() {
	case versions.ServerNameWildcardsNone:
		return fmt.Sprintf("serverNames %q has a wildcard; Cilium %s accepts exact names only (wildcards from 1.18)", sn, v)
	case versions.ServerNameWildcardsPrefix:
		rest := strings.TrimPrefix(strings.TrimPrefix(sn, "**."), "*.")
		if rest != sn && !strings.Contains(rest, "*") {
			return ""
		}
		return fmt.Sprintf("serverNames %q has a wildcard Cilium %s does not accept: only a leading \"*.\" or \"**.\" (\"*\" anywhere from 1.20)", sn, v)
	}
	return ""
}

// patternProblem says why release v rejects matchPattern pat, or "".
func patternProblem(pat string, v versions.Cilium) string {
	if strings.Contains(pat, "**") && !v.DoubleStarPatterns() {
		return fmt.Sprintf("matchPattern %q uses \"**.\", which Cilium %s does not support (from 1.19)", pat, v)
	}
	return ""
}
