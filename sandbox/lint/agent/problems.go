package agent

import (
	"fmt"
	"strings"
)

// Checks of the problems lint --agent reports.
const (
	// CheckAgentParse: the release's Parse or Sanitize rejects a policy.
	CheckAgentParse = "agent-parse"
	// CheckAgentPolicy: the release's agent cannot compute a workload's
	// policy, so the endpoint keeps its previous one.
	CheckAgentPolicy = "agent-policy"
	// CheckAgentSDS: NPDS names an SDS secret the agent does not serve, so
	// Envoy has no TLS context for the rule.
	CheckAgentSDS = "agent-sds"
	// CheckAgentOperator: the operator's secret sync failed a secret.
	CheckAgentOperator = "agent-operator"
)

// Problem is a failure the release's own code shows.
type Problem struct {
	Check, Object, Reason, Fix string
}

// Problems are the failures of the release linted for (the first).
func (r *Report) Problems() []Problem {
	if len(r.Releases) == 0 {
		return nil
	}
	rel := &r.Releases[0]
	var out []Problem
	for _, p := range rel.Policies {
		if p.Error != "" {
			out = append(out, Problem{CheckAgentParse, p.Kind + " " + strings.TrimPrefix(p.Namespace+"/"+p.Name, "/"),
				fmt.Sprintf("Cilium %s rejects it: %s", rel.Cilium, p.Error), "change the policy until Cilium's Parse accepts it"})
		}
	}
	for _, rc := range rel.Operator.Reconciles {
		if rc.Error != "" {
			out = append(out, Problem{CheckAgentOperator, "Secret " + rc.Secret,
				fmt.Sprintf("Cilium %s's operator fails to sync it: %s", rel.Cilium, rc.Error), "see the operator's error; a copy the operator cannot update can be deleted, and it is made again"})
		}
	}
	for _, w := range rel.Workloads {
		if w.PolicyError != "" {
			out = append(out, Problem{CheckAgentPolicy, w.Workload.Name,
				fmt.Sprintf("Cilium %s's agent cannot compute its policy, so the endpoint keeps its previous one (allow-all when no policy selected it before): %s", rel.Cilium, w.PolicyError),
				"make the secrets the policies name readable by the agent, with the keys their TLS contexts need"})
			continue
		}
		served := map[string]bool{}
		for _, s := range w.SDS {
			served[s.Name] = true
		}
		for _, p := range egressPolicies(w.NPDS) {
			for _, rule := range p.rules {
				for _, n := range rule.sdsNames {
					if !served[n] {
						out = append(out, Problem{CheckAgentSDS, fmt.Sprintf("%s egress %s", w.Workload.Name, p.portText()),
							fmt.Sprintf("Cilium %s's NPDS names SDS secret %s, which its agent does not serve: Envoy has no TLS context for the rule", rel.Cilium, n),
							"make the secret exist where the operator copies from (outside the secrets namespace under secret sync), or in the secrets namespace without sync"})
					}
				}
			}
		}
	}
	return out
}
