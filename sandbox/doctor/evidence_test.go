package doctor

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	ciliumv2 "github.com/cilium/cilium/pkg/k8s/apis/cilium.io/v2"
)

// TestEveryPassHasEvidence: a check that passes names what it read, in
// every recorded state: a pass that rests on nothing would call a cluster
// healthy that the doctor never looked at.
func TestEveryPassHasEvidence(t *testing.T) {
	for name := range rootCauses() {
		rep := runDump(t, name)
		for _, f := range rep.Findings {
			if f.Status == StatusPass && len(f.Evidence) == 0 {
				t.Errorf("%s: %s passes with no evidence: %q", name, f.ID, f.Reason)
			}
		}
	}
}

// TestPoliciesWithoutStatusAreNotAccepted: policies no Cilium operator has
// judged (no Valid condition: Cilium absent, or the operator not yet run)
// are not called accepted; the check skips, says why, and is named among
// the checks that did not run. A Valid=False still fails.
func TestPoliciesWithoutStatusAreNotAccepted(t *testing.T) {
	gather := func(t *testing.T) *State {
		st, err := DumpSource{Dir: filepath.Join(statesDir, "healthy")}.Gather(context.Background(), Scope{}.withDefaults())
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	cases := []struct {
		name   string
		edit   func(st *State)
		status Status
		reason string
	}{
		{"every policy judged valid", func(*State) {}, StatusPass, "Cilium accepted the policies"},
		{"no status at all", func(st *State) {
			for i := range st.Policies {
				st.Policies[i].Status = ciliumv2.CiliumNetworkPolicyStatus{}
			}
		}, StatusUnread, "3 of 3 policies carry no Valid condition"},
		{"one not yet judged", func(st *State) { st.Policies[1].Status = ciliumv2.CiliumNetworkPolicyStatus{} }, StatusUnread, "1 of 3 policies carry no Valid condition"},
		{"no Cilium and no status", func(st *State) {
			st.DaemonSets = nil
			for i := range st.Policies {
				st.Policies[i].Status = ciliumv2.CiliumNetworkPolicyStatus{}
			}
		}, StatusUnread, "is Cilium running?"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			st := gather(t)
			c.edit(st)
			rep := Evaluate(st, Options{Now: fixedNow})
			f := rep.Finding("policies-accepted")
			if f.Status != c.status || !strings.Contains(f.Reason, c.reason) {
				t.Fatalf("policies-accepted = %s %q, want %s containing %q", f.Status, f.Reason, c.status, c.reason)
			}
			if got := slices.Contains(rep.Unread, "policies-accepted"); got != (c.status == StatusUnread) {
				t.Errorf("policies-accepted among the unread checks: %t, want %t (%v)", got, c.status == StatusUnread, rep.Unread)
			}
		})
	}
}
