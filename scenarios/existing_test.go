package scenarios

import (
	"context"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/cilium-tls-intercept/sandbox/sandbox/intercept"
	"github.com/cilium-tls-intercept/sandbox/sandbox/resources"
)

// policyNeed is chart configuration a scenario needs: text the named
// CiliumNetworkPolicy must contain, and the values that produce it.
type policyNeed struct {
	policy   string
	contains []string
	values   string
}

var (
	needPassThrough = policyNeed{"intercept-pass-through", []string{"matchName: " + passThroughHost},
		"passThrough.domains: [" + passThroughHost + "]"}
	needL7Rule = policyNeed{"intercept-tls-" + githubGroup, []string{"method: GET", "path: " + githubPath},
		"intercept." + githubGroup + ".http: [{method: GET, path: " + githubPath + "}]"}
)

// requireChartValues skips t on an existing cluster whose chart was not
// installed with the values the scenario needs (the kind provider installs
// them itself through sandbox.Up).
func requireChartValues(ctx context.Context, t *testing.T, need policyNeed) {
	t.Helper()
	if suite.opts.provider != providerExisting {
		return
	}
	cnp, err := suite.dyn.Resource(resources.CiliumNetworkPolicies()).Namespace(intercept.WorkloadNamespace).Get(ctx, need.policy, metav1.GetOptions{})
	if err != nil {
		t.Skipf("needs the chart installed with %s: %v", need.values, err)
	}
	if !containsAll(yamlOf(cnp), need.contains) {
		t.Skipf("needs the chart installed with %s: policy %s lacks %v", need.values, need.policy, need.contains)
	}
}

// TestPolicyNeedsMatchScenarioValues checks that the policies rendered with
// scenarioValues() satisfy requireChartValues, and the defaults do not.
func TestPolicyNeedsMatchScenarioValues(t *testing.T) {
	for _, tc := range []struct {
		name   string
		values map[string]any
		want   bool
	}{{"scenario values", scenarioValues(), true}, {"chart defaults", nil, false}} {
		r, err := intercept.Render(context.Background(), intercept.RenderOptions{Values: tc.values})
		if err != nil {
			t.Fatal(err)
		}
		objs, err := r.Objects()
		if err != nil {
			t.Fatal(err)
		}
		for _, need := range []policyNeed{needPassThrough, needL7Rule, needSecretHeader} {
			t.Run(tc.name+"/"+need.policy, func(t *testing.T) {
				got := false
				for _, o := range objs {
					if o.GetKind() == "CiliumNetworkPolicy" && o.GetName() == need.policy {
						got = containsAll(yamlOf(o), need.contains)
					}
				}
				if got != tc.want {
					t.Errorf("policy %s satisfies %v: %v, want %v", need.policy, need.contains, got, tc.want)
				}
			})
		}
	}
}

func containsAll(s string, subs []string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}
