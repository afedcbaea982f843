package doctor

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/cilium-tls-intercept/sandbox/sandbox/ciliumtls"
)

// runRelease makes the healthy state's agents run Cilium release v.
func runRelease(t *testing.T, st *State, v string) {
	t.Helper()
	for i := range st.DaemonSets {
		ds := &st.DaemonSets[i]
		if ds.Name != ciliumtls.AgentDaemonSet {
			continue
		}
		for j := range ds.Spec.Template.Spec.Containers {
			if c := &ds.Spec.Template.Spec.Containers[j]; c.Name == ciliumtls.AgentContainer {
				c.Image = "quay.io/cilium/cilium:v" + v
				return
			}
		}
	}
	t.Fatal("no cilium-agent container in the state")
}

// TestKnownBugsFindings changes the healthy state's release and objects
// and expects the known bug each change meets, or none.
func TestKnownBugsFindings(t *testing.T) {
	retype := func(st *State) {
		st.syncedCopy("cilium-secrets", "cert-manager", "intercept-github-tls").Type = corev1.SecretTypeOpaque
	}
	ads := func(st *State) {
		st.configMap("kube-system", ciliumtls.ConfigMapName).Data[ciliumtls.ConfigEnvoyXDSMode] = "ads"
	}
	cases := []struct {
		name, release string
		change        func(st *State)
		wantStatus    Status
		want          []string
	}{
		{name: "healthy 1.20.2", release: "1.20.2", change: func(*State) {}, wantStatus: StatusPass,
			want: []string{"Cilium 1.20.2: none of its known bugs is met here", "known bugs and changes on Cilium 1.20.2: K17"}},
		{name: "copy of another type on 1.18.11", release: "1.18.11", change: retype, wantStatus: StatusWarn,
			want: []string{"of secret cert-manager/intercept-github-tls has type Opaque, its source kubernetes.io/tls: on Cilium 1.18.11 the operator cannot change a copy's type", "known bug K9 (cilium/cilium#45721)", "(fixed in 1.19.4)", "kubectl -n cilium-secrets delete secret"}},
		{name: "copy of another type on 1.19.4", release: "1.19.4", change: retype, wantStatus: StatusPass},
		{name: "ADS on 1.20.0", release: "1.20.0", change: ads, wantStatus: StatusWarn,
			want: []string{`envoy-xds-mode="ads" on Cilium 1.20.0 meets known bug K14 (cilium/cilium#47624)`, "(fixed in 1.20.1)", "--set envoy.xdsMode=split"}},
		{name: "split on 1.20.0", release: "1.20.0", change: func(*State) {}, wantStatus: StatusPass},
		{name: "ADS on 1.20.1", release: "1.20.1", change: ads, wantStatus: StatusPass},
		{name: "toFQDNs drops on 1.18.4", release: "1.18.4", change: func(*State) {}, wantStatus: StatusWarn,
			want: []string{"Cilium 1.18.4 has known bug K15 (cilium/cilium#42459): toFQDNs policies drop traffic at random (fixed in 1.18.5)"}},
		{name: "SNI regression on 1.16.3", release: "1.16.3", change: func(*State) {}, wantStatus: StatusWarn,
			want: []string{"on Cilium 1.16.3 meets known bug K2 (cilium/proxy#890)", "Cilium 1.16.3 has known bug K13"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			st, err := DumpSource{Dir: filepath.Join(statesDir, "healthy")}.Gather(context.Background(), Scope{})
			if err != nil {
				t.Fatal(err)
			}
			runRelease(t, st, c.release)
			c.change(st)
			f := Evaluate(st, Options{Now: fixedNow}).Finding("known-bugs")
			text := f.Reason + "\n" + f.Fix + "\n" + strings.Join(f.Evidence, "\n")
			if f.Status != c.wantStatus {
				t.Fatalf("known-bugs = %s:\n%s\nwant %s", f.Status, text, c.wantStatus)
			}
			for _, w := range c.want {
				if !strings.Contains(text, w) {
					t.Errorf("known-bugs says:\n%s\nwant it to say %q", text, w)
				}
			}
		})
	}
}
