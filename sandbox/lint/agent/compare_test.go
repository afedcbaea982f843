package agent

import (
	"strings"
	"testing"
)

// TestNPDSTextOrdersRulesByNames checks that two releases giving the same
// labels other identity numbers, and so ordering NPDS rules otherwise,
// render the same NPDS text, and that a real difference still shows.
func TestNPDSTextOrdersRulesByNames(t *testing.T) {
	const a = `{"egressPerPortPolicies":[{"port":443,"rules":[{"remotePolicies":[10],"x":"github"},{"remotePolicies":[11],"x":"aws"}]}]}`
	const b = `{"egressPerPortPolicies":[{"port":443,"rules":[{"remotePolicies":[20],"x":"aws"},{"remotePolicies":[21],"x":"github"}]}]}`
	namesA := map[uint32]string{10: "fqdn:github.com", 11: "fqdn:*.amazonaws.com"}
	namesB := map[uint32]string{20: "fqdn:*.amazonaws.com", 21: "fqdn:github.com"}
	for _, tc := range []struct {
		name     string
		a, b     string
		wantSame bool
	}{
		{"same rules, other numbers and order", a, b, true},
		{"another rule", a, strings.Replace(b, `"x":"aws"`, `"x":"changed"`, 1), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ta, tb := npdsText([]byte(tc.a), namesA), npdsText([]byte(tc.b), namesB)
			if (ta == tb) != tc.wantSame {
				t.Errorf("same = %v, want %v\n%s\n%s", ta == tb, tc.wantSame, ta, tb)
			}
		})
	}
}
