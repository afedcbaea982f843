package validate

import (
	"strings"
	"testing"

	"github.com/cilium-tls-intercept/sandbox/sandbox/versions"
)

// TestPolicies: only the policies are checked, by Cilium's parser and the
// release's limits; the cross-object checks Objects runs are not (the base
// objects without their secrets' sources still pass).
func TestPolicies(t *testing.T) {
	cases := []struct {
		name, version string
		check, want   string
	}{
		{name: "clean", version: "1.20"},
		{name: "http path Cilium's regexp parser refuses", version: "1.20", check: CheckCiliumSanitize, want: "error parsing regexp: missing closing ): `/meta(`"},
		{name: "serverNames wildcard before 1.18", version: "1.17", check: CheckServerNames, want: `serverNames "*.github.com" has a wildcard`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			objs := without(baseObjects(t), "Certificate", "github")
			policy := find(t, objs, "CiliumNetworkPolicy", "intercept")
			switch c.check {
			case CheckCiliumSanitize:
				set(t, policy, []any{map[string]any{"path": "/meta("}}, tlsPort("rules", "http")...)
			case CheckServerNames:
				set(t, policy, []any{"*.github.com"}, tlsPort("serverNames")...)
			}
			ps, err := Policies(objs, Options{Cilium: versions.MustParseCilium(c.version)})
			if err != nil {
				t.Fatal(err)
			}
			if c.check == "" {
				if len(ps) != 0 {
					t.Fatalf("Policies = %v, want none", ps)
				}
				return
			}
			if len(ps) != 1 || ps[0].Check != c.check || ps[0].Object != "CiliumNetworkPolicy workload/intercept" || !strings.Contains(ps[0].Message, c.want) {
				t.Fatalf("Policies = %v, want one %s problem of the intercept policy containing %q", ps, c.check, c.want)
			}
		})
	}
}
