package main

import (
	"encoding/json"
	"log/slog"

	ciliumv2 "github.com/cilium/cilium/pkg/k8s/apis/cilium.io/v2"
	"github.com/cilium/cilium/pkg/policy/api"

	"github.com/cilium-tls-intercept/sandbox/sandbox/ciliumrun/wire"
)

// parsedPolicy is a policy the agent accepted.
type parsedPolicy struct {
	obj   policyObject
	rules api.Rules
	cnp   *ciliumv2.CiliumNetworkPolicy
	ccnp  *ciliumv2.CiliumClusterwideNetworkPolicy
}

// parsePolicies runs Cilium's Parse (which sanitizes every rule) on each
// policy, as the agent's policy watcher does before the policy reaches the
// repository, for the cluster name policies default to.
func parsePolicies(logger *slog.Logger, m *manifests, cluster string) ([]wire.PolicyVerdict, []parsedPolicy) {
	var verdicts []wire.PolicyVerdict
	var ok []parsedPolicy
	for _, p := range m.policies {
		v := wire.PolicyVerdict{Kind: p.kind, Namespace: p.namespace, Name: p.name}
		pp, err := parsePolicy(logger, p, cluster)
		if err != nil {
			v.Error = err.Error()
		} else {
			v.Rules = len(pp.rules)
			ok = append(ok, pp)
		}
		verdicts = append(verdicts, v)
	}
	return verdicts, ok
}

func parsePolicy(logger *slog.Logger, p policyObject, cluster string) (parsedPolicy, error) {
	out := parsedPolicy{obj: p}
	var err error
	if p.kind == kindCCNP {
		out.ccnp = &ciliumv2.CiliumClusterwideNetworkPolicy{}
		if err = json.Unmarshal(p.raw, out.ccnp); err != nil {
			return out, err
		}
		out.rules, err = out.ccnp.Parse(logger, cluster)
		return out, err
	}
	out.cnp = &ciliumv2.CiliumNetworkPolicy{}
	if err = json.Unmarshal(p.raw, out.cnp); err != nil {
		return out, err
	}
	out.rules, err = out.cnp.Parse(logger, cluster)
	return out, err
}
