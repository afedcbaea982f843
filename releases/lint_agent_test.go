//go:build releases && linux

package releases

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/cilium-tls-intercept/sandbox/sandbox/lint/agent"
	"github.com/cilium-tls-intercept/sandbox/sandbox/versions"
)

// The chart's render: its CiliumNetworkPolicies, its intercepted workload,
// and a name its github policy intercepts.
var (
	chartPolicies = []string{"intercept-dns", "intercept-tls-aws", "intercept-tls-github", "intercept-tls-google"}
	chartWorkload = "Deployment intercept-workload/intercept-workload"
	chartName     = "github.com"
)

// TestLintAgentOnTheChart runs `lint --agent` on the chart's render for
// each minor's default patch and checks what the release's own code made
// of it: every policy sanitized, the intercepted identity's 443 redirected
// to a proxy port in the workload's policy map, NPDS terminating and
// originating TLS for it, and (1.17 on) the SDS secrets NPDS names served.
func TestLintAgentOnTheChart(t *testing.T) {
	for _, release := range defaultPatches() {
		t.Run(release, func(t *testing.T) {
			rep := lintAgent(t, chartRender(t, release), "--cilium-version", release)
			if len(rep.Releases) != 1 || rep.Releases[0].Cilium != release {
				t.Fatalf("report is for releases %v, want only %s", releaseNames(rep), release)
			}
			checkChartResult(t, &rep.Releases[0])
		})
	}
}

// checkChartResult asserts what a release made of the chart's render.
func checkChartResult(t *testing.T, r *agent.Release) {
	t.Helper()
	if r.LintResult == nil {
		t.Fatal("no result from the helper")
	}
	checkSanitized(t, r)
	w := workload(t, r, chartWorkload)
	id := identityOfName(t, r, chartName)
	entry := slices.IndexFunc(w.PolicyMap, func(e wirePolicyMapEntry) bool {
		return e.TrafficDirection == "Egress" && e.Identity == id && e.DestPort == 443 && e.Nexthdr == 6
	})
	if entry < 0 {
		t.Fatalf("policy map of %s has no egress 443/TCP entry for %s (identity %d): %+v", chartWorkload, chartName, id, w.PolicyMap)
	}
	if e := w.PolicyMap[entry]; e.IsDeny || e.ProxyPort == 0 {
		t.Errorf("policy map entry of %s 443/TCP is not a redirect to a proxy port: %+v", chartName, e)
	}
	tls := npdsTLS(t, w.NPDS, id)
	sds := map[string]string{}
	for _, s := range w.SDS {
		sds[s.Name] = s.Type
	}
	v := versions.MustParseCilium(r.Cilium)
	if v.Minor < 17 {
		// 1.16 reads the policy's secrets itself and inlines them.
		if tls.Downstream.CertificateChain == "" || tls.Upstream.TrustedCA == "" {
			t.Errorf("NPDS rule for %s lacks the inline certificate chain or trusted CA 1.16 puts there: %+v", chartName, tls)
		}
		return
	}
	if tls.Downstream.SDS == "" || tls.Upstream.SDS == "" {
		t.Fatalf("NPDS rule for %s names no SDS secrets (tlsSdsSecret, validationContextSdsSecret): %+v", chartName, tls)
	}
	for name, want := range map[string]string{tls.Downstream.SDS: "tlsCertificate", tls.Upstream.SDS: "validationContext"} {
		if !strings.HasPrefix(name, "cilium-secrets/") {
			t.Errorf("SDS secret %s is not in the secrets namespace cilium-secrets", name)
		}
		if got, ok := sds[name]; !ok {
			t.Errorf("NPDS names SDS secret %s, which the agent's SDS does not serve (it serves %v)", name, sds)
		} else if got != want {
			t.Errorf("SDS secret %s is a %s, want %s", name, got, want)
		}
	}
}

// checkSanitized asserts every chart policy came through Cilium's parse and
// sanitize with its rule.
func checkSanitized(t *testing.T, r *agent.Release) {
	t.Helper()
	var got []string
	for _, p := range r.Policies {
		if p.Kind != "CiliumNetworkPolicy" {
			continue
		}
		got = append(got, p.Name)
		if p.Error != "" || p.Rules < 1 {
			t.Errorf("Cilium %s rejected %s/%s (%d rules): %s", r.Cilium, p.Namespace, p.Name, p.Rules, p.Error)
		}
	}
	slices.Sort(got)
	if !slices.Equal(got, chartPolicies) {
		t.Errorf("policies sanitized = %v, want %v", got, chartPolicies)
	}
}

// TestLintAgentCompare runs `lint --agent --compare` between the oldest and
// the newest minor's default patch, and checks it shows a difference
// Cilium's code has: 1.16's NPDS inlines the certificates, 1.20's names
// the SDS secrets the operator's copies hold.
func TestLintAgentCompare(t *testing.T) {
	releases := defaultPatches()
	older, newer := releases[0], releases[len(releases)-1]
	rep := lintAgent(t, chartRender(t, older), "--cilium-version", older, "--compare", newer)
	if got := releaseNames(rep); !slices.Equal(got, []string{older, newer}) {
		t.Fatalf("compared releases %v, want [%s %s]", got, older, newer)
	}
	diffs := map[string]string{}
	for _, d := range rep.Differences {
		diffs[d.Section] = d.Diff
	}
	npds := diffs["NPDS "+chartWorkload]
	for _, want := range []string{`-            "certificateChain"`, `+            "tlsSdsSecret": "cilium-secrets/`} {
		if !strings.Contains(npds, want) {
			t.Errorf("NPDS difference lacks %q; differences:\n%s", want, npds)
		}
	}
	copies := diffs["operator copies"]
	if !strings.Contains(copies, "-no secret sync") || !strings.Contains(copies, "+cilium-secrets/cilium-sync-secret-") {
		t.Errorf("operator copies difference does not show 1.16 without sync and 1.20 with copies:\n%s", copies)
	}
	for _, d := range rep.Differences {
		if d.Section == "sanitize verdicts" {
			t.Errorf("the releases differ on the chart's sanitize verdicts:\n%s", d.Diff)
		}
	}
}

func releaseNames(rep *agent.Report) []string {
	var out []string
	for _, r := range rep.Releases {
		out = append(out, r.Cilium)
	}
	return out
}

// npdsRuleTLS is the part of an NPDS rule (cilium.PortNetworkPolicyRule)
// that terminates and originates TLS.
type npdsRuleTLS struct {
	Downstream struct {
		CertificateChain string `json:"certificateChain"`
		SDS              string `json:"tlsSdsSecret"`
	} `json:"downstreamTlsContext"`
	Upstream struct {
		TrustedCA string `json:"trustedCa"`
		SDS       string `json:"validationContextSdsSecret"`
	} `json:"upstreamTlsContext"`
}

// npdsTLS is the TLS of the NPDS egress rule on port 443 for identity id.
func npdsTLS(t *testing.T, raw json.RawMessage, id uint32) npdsRuleTLS {
	t.Helper()
	var npds struct {
		Egress []struct {
			Port  uint32 `json:"port"`
			Rules []struct {
				Remotes []uint32 `json:"remotePolicies"`
				npdsRuleTLS
			} `json:"rules"`
		} `json:"egressPerPortPolicies"`
	}
	if err := json.Unmarshal(raw, &npds); err != nil {
		t.Fatalf("NPDS is not cilium.NetworkPolicy's JSON: %v\n%s", err, raw)
	}
	for _, p := range npds.Egress {
		for _, r := range p.Rules {
			if p.Port == 443 && slices.Contains(r.Remotes, id) {
				return r.npdsRuleTLS
			}
		}
	}
	t.Fatalf("NPDS has no egress rule on 443 for identity %d:\n%s", id, raw)
	return npdsRuleTLS{}
}
