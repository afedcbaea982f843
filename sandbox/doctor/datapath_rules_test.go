package doctor

import (
	"encoding/json"
	"fmt"

	"github.com/cilium/cilium/api/v1/models"
)

// egressRules are the realized L4 egress rules: models.PolicyRule.Rule is
// pkg/policy's L4Filter JSON (port, protocol, l7-rules by selector string,
// sorted), whose TLS contexts print "[redacted]" for their material; from
// 1.17 they also print the secret's name and whether it came from a file.
func (f datapathFixture) egressRules() []*models.PolicyRule {
	tls := func(ns, name, field string) map[string]any {
		c := map[string]any{field: "[redacted]"}
		if field == "certificateChain" {
			c["privateKey"] = "[redacted]"
		}
		if f.minor >= 17 {
			c = map[string]any{"Secret": map[string]string{"Namespace": ns, "Name": name}, "FromFile": false}
		}
		return c
	}
	ns := "cert-manager"
	if f.minor < 17 {
		ns = "cilium-secrets"
	}
	perSel := func(group string) map[string]any {
		http := []map[string]any{{}}
		if group == "github" && f.githubHTTP != nil {
			http = f.githubHTTP
		}
		return map[string]any{"terminatingTLS": tls(ns, "intercept-"+group+"-tls", "certificateChain"),
			"originatingTLS": tls(ns, "intercept-upstream-ca", "trustedCA"), "http": http}
	}
	// encoding/json compacts an L4Filter's JSON with HTML escaping, as it
	// does any MarshalJSON output: json.RawMessage goes the same way.
	marshal := func(raw string) string { b, _ := json.Marshal(json.RawMessage(raw)); return string(b) }
	dnsRule := func(proto string) string {
		return marshal(fmt.Sprintf(`{"port":53,"protocol":%q,"l7-rules":[{%q:{"dns":[{"matchPattern":"*"}]}}]}`, proto, kubeDNSSelector))
	}
	sel := func(m map[string]any) string { b, _ := json.Marshal(m); return string(b) }
	tlsRule := marshal(fmt.Sprintf(`{"port":443,"protocol":"TCP","l7-rules":[{"MatchName: , MatchPattern: *.amazonaws.com":%s},{"MatchName: , MatchPattern: *.github.com":%s},{"MatchName: github.com, MatchPattern: ":%s}]}`,
		sel(perSel("aws")), sel(perSel("github")), sel(perSel("github"))))
	from := func(policy string) [][]string {
		return [][]string{{"k8s:io.cilium.k8s.policy.derived-from=CiliumNetworkPolicy", "k8s:io.cilium.k8s.policy.name=" + policy, "k8s:io.cilium.k8s.policy.namespace=intercept-workload"}}
	}
	return []*models.PolicyRule{
		{Rule: dnsRule("UDP"), DerivedFromRules: from("intercept-dns")},
		{Rule: dnsRule("TCP"), DerivedFromRules: from("intercept-dns")},
		{Rule: tlsRule, DerivedFromRules: append(from("intercept-tls-aws"), from("intercept-tls-github")...)},
	}
}
