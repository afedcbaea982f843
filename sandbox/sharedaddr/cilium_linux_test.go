//go:build linux

package sharedaddr

import (
	"log/slog"
	"math/rand/v2"
	"testing"

	cilium "github.com/cilium/proxy/go/cilium/api"
	"google.golang.org/protobuf/proto"

	envoypolicy "github.com/cilium/cilium/pkg/envoy/policy"
	"github.com/cilium/cilium/pkg/policy/api"
)

// TestHTTPRulesAsCilium checks httpRules against Cilium's own L7 rules
// translator (which only the Linux agent tier links).
func TestHTTPRulesAsCilium(t *testing.T) {
	tr := envoypolicy.NewEnvoyL7RulesTranslator(slog.Default(), nil)
	cases := [][]api.PortRuleHTTP{
		{{}},
		{{Method: "GET", Path: "/meta"}},
		{{Method: "GET", Path: "/meta"}, {Host: `api\.github\.com`}, {}},
		{{Headers: []string{"X-Key: v", "X-Present"}, Path: "/x"}},
		{{HeaderMatches: []*api.HeaderMatch{{Name: "Authorization", Value: "Bearer t"}, {Name: "X-Log", Value: "v", Mismatch: api.MismatchActionLog}}}},
	}
	for _, c := range cases {
		want, _ := tr.GetEnvoyHTTPRules(&api.L7Rules{HTTP: c}, "ns")
		if got := httpRules(c); !proto.Equal(got, want) {
			t.Errorf("httpRules(%+v)\n got %v\nwant %v", c, got, want)
		}
	}
}

// TestRuleLessAsCilium checks ruleLess against sort.go's
// PortNetworkPolicyRuleLess on random pairs of the rules built here.
func TestRuleLessAsCilium(t *testing.T) {
	shapes := [][]api.PortRuleHTTP{nil, {{}}, {{Method: "GET"}}, {{Method: "GET", Path: "/meta"}}, {{Path: "/a"}, {}}, {{Headers: []string{"X-Key"}}}}
	r := rand.New(rand.NewPCG(1, 2))
	for range 500 {
		a := ruleFor(&Use{Terminating: "ns/a", HTTP: shapes[r.IntN(len(shapes))]}, uint32(r.IntN(3)))
		b := ruleFor(&Use{Terminating: "ns/b", HTTP: shapes[r.IntN(len(shapes))]}, uint32(r.IntN(3)))
		for _, pair := range [][2]*cilium.PortNetworkPolicyRule{{a, b}, {b, a}} {
			if got, want := ruleLess(pair[0], pair[1]), envoypolicy.PortNetworkPolicyRuleLess(pair[0], pair[1]); got != want {
				t.Fatalf("ruleLess(%v, %v) = %v, Cilium says %v", pair[0], pair[1], got, want)
			}
		}
	}
}
