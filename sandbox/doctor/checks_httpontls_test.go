package doctor

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cilium/cilium/pkg/policy/api"
)

// TestHTTPOnTLS drops the terminatingTLS of the healthy state's github
// policy (keeping its rules.http and originatingTLS, as in
// cilium/cilium#32567) and expects the check to fail naming the port; with
// serverNames added, Cilium's Sanitize refuses the policy and this check
// leaves it to policies-accepted.
func TestHTTPOnTLS(t *testing.T) {
	cases := []struct {
		name       string
		change     func(pr *api.PortRule)
		wantStatus Status
		want       string
	}{
		{"intercepted", func(*api.PortRule) {}, StatusPass, "no rules.http on a TLS port without terminatingTLS"},
		{"no terminatingTLS", func(pr *api.PortRule) { pr.TerminatingTLS = nil }, StatusFail,
			`CiliumNetworkPolicy intercept-workload/intercept-tls-github egress[0].toPorts[0]: rules.http on 443/TCP, whose traffic is TLS, without terminatingTLS: Envoy parses the client's TLS ClientHello as HTTP`},
		{"no terminatingTLS, serverNames", func(pr *api.PortRule) {
			pr.TerminatingTLS, pr.ServerNames = nil, []api.ServerName{"api.github.com"}
		}, StatusPass, "no rules.http on a TLS port"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			st, err := DumpSource{Dir: filepath.Join(statesDir, "healthy")}.Gather(context.Background(), Scope{})
			if err != nil {
				t.Fatal(err)
			}
			changed := false
			for i := range st.Policies {
				if p := &st.Policies[i]; p.Name == "intercept-tls-github" {
					c.change(&p.Spec.Egress[0].ToPorts[0])
					changed = true
				}
			}
			if !changed {
				t.Fatal("no intercept-tls-github policy in the healthy state")
			}
			f := Evaluate(st, Options{Now: fixedNow}).Finding("http-on-tls")
			if f.Status != c.wantStatus || !strings.Contains(f.Reason, c.want) {
				t.Fatalf("http-on-tls = %s %q, want %s with %q", f.Status, f.Reason, c.wantStatus, c.want)
			}
			if f.Status == StatusFail && !strings.Contains(f.Fix, "add terminatingTLS") {
				t.Errorf("fix %q", f.Fix)
			}
		})
	}
}
