package main

import (
	"encoding/json"

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
// repository.
func parsePolicies(m *manifests) ([]wire.PolicyVerdict, []parsedPolicy) {
	var verdicts []wire.PolicyVerdict
	var ok []parsedPolicy
	for _, p := range m.policies {
		v := wire.PolicyVerdict{Kind: p.kind, Namespace: p.namespace, Name: p.name}
		pp, err := parsePolicy(p)
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

func parsePolicy(p policyObject) (parsedPolicy, error) {
	out := parsedPolicy{obj: p}
	var err error
	if p.kind == kindCCNP {
		out.ccnp = &ciliumv2.CiliumClusterwideNetworkPolicy{}
		if err = json.Unmarshal(p.raw, out.ccnp); err != nil {
			return out, err
		}
		out.rules, err = out.ccnp.Parse()
		return out, err
	}
	out.cnp = &ciliumv2.CiliumNetworkPolicy{}
	if err = json.Unmarshal(p.raw, out.cnp); err != nil {
		return out, err
	}
	out.rules, err = out.cnp.Parse()
	return out, err
}
