package sharedaddr

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/cilium/cilium/pkg/policy/api"

	"github.com/cilium-tls-intercept/sandbox/sandbox/dnsanswer"
	"github.com/cilium-tls-intercept/sandbox/sandbox/versions"
)

func names(ss ...string) api.FQDNSelectorSlice {
	var out api.FQDNSelectorSlice
	for _, s := range ss {
		if strings.Contains(s, "*") {
			out = append(out, api.FQDNSelector{MatchPattern: s})
		} else {
			out = append(out, api.FQDNSelector{MatchName: s})
		}
	}
	return out
}

// chartUses are the chart's policies with the scenarios' values: three
// intercept groups ([{}] unless given) and example.com passed through.
func chartUses(serverNames bool) []Use {
	sn := func(s ...string) []string {
		if serverNames {
			return s
		}
		return nil
	}
	group := func(name string, fq api.FQDNSelectorSlice, snames []string, http ...api.PortRuleHTTP) Use {
		if len(http) == 0 {
			http = []api.PortRuleHTTP{{}}
		}
		return Use{Policy: "CiliumNetworkPolicy intercept-workload/intercept-tls-" + name, Where: "egress[0].toPorts[0]", Port: 443,
			FQDNs: fq, Terminating: "cert-manager/intercept-" + name + "-tls", ServerNames: snames, HTTP: http}
	}
	return []Use{
		group("github", names("github.com", "*.github.com"), sn("github.com", "*.github.com"), api.PortRuleHTTP{Method: "GET", Path: "/meta"}),
		group("aws", names("*.amazonaws.com"), sn("*.amazonaws.com")),
		group("google", names("*.googleapis.com"), sn("*.googleapis.com")),
		{Policy: "CiliumNetworkPolicy intercept-workload/intercept-pass-through", Where: "egress[0].toPorts[0]", Port: 443, FQDNs: names("example.com")},
	}
}

func resolve(t *testing.T, pairs ...string) dnsanswer.Answers {
	t.Helper()
	a, err := dnsanswer.FromResolve(pairs)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func served(c Conflict, name string) string {
	for _, o := range c.Names {
		if o.Name == name {
			return strings.Join(o.Served, " | ")
		}
	}
	return "(not listed)"
}

// TestFind covers the old offline answers (every name on one address), the
// same with serverNames, one address per name, and Google's documented
// Private Google Access addresses.
func TestFind(t *testing.T) {
	old := resolve(t, "api.github.com=10.0.0.1", "sts.amazonaws.com=10.0.0.1", "storage.googleapis.com=10.0.0.1", "example.com=10.0.0.1")
	pga, err := dnsanswer.ReadRecording(filepath.Join("..", "..", "fixtures", "dns", "private-google-access.json"))
	if err != nil {
		t.Fatal(err)
	}
	// A google group naming storage.googleapis.com alone, oauth2 passed through.
	pgaUses := append(chartUses(false)[:2], Use{Policy: "CiliumNetworkPolicy intercept-workload/intercept-tls-google", Port: 443,
		FQDNs: names("storage.googleapis.com"), Terminating: "cert-manager/intercept-google-tls", HTTP: []api.PortRuleHTTP{{}}}, Use{Policy: "CiliumNetworkPolicy intercept-workload/intercept-pass-through", Port: 443, FQDNs: names("oauth2.googleapis.com")})
	tests := []struct {
		name      string
		uses      []Use
		answers   dnsanswer.Answers
		conflicts int
		want      map[string]string // name -> served
		httpShare bool
	}{
		{"old offline answers", chartUses(false), old, 1, map[string]string{
			"example.com":            "terminated with cert-manager/intercept-github-tls",
			"sts.amazonaws.com":      "terminated with cert-manager/intercept-github-tls",
			"storage.googleapis.com": "terminated with cert-manager/intercept-github-tls",
			"api.github.com":         "terminated with cert-manager/intercept-github-tls",
		}, true},
		{"old answers with serverNames", chartUses(true), old, 1, map[string]string{
			"example.com":       "given no TLS context for its SNI",
			"sts.amazonaws.com": "terminated with cert-manager/intercept-aws-tls",
		}, true},
		{"one address per name", chartUses(false), resolve(t, "api.github.com=10.0.0.1", "sts.amazonaws.com=10.0.0.2", "example.com=10.0.0.3"), 0, nil, false},
		{"private google access", pgaUses, pga.Answers, 1, map[string]string{
			"oauth2.googleapis.com": "terminated with cert-manager/intercept-google-tls",
		}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cs, err := Find(tt.uses, tt.answers)
			if err != nil {
				t.Fatal(err)
			}
			if len(cs) != tt.conflicts {
				t.Fatalf("%d conflicts, want %d: %+v", len(cs), tt.conflicts, cs)
			}
			if len(cs) == 0 {
				return
			}
			for n, w := range tt.want {
				if got := served(cs[0], n); !strings.HasPrefix(got, w) {
					t.Errorf("%s: served %q, want %q", n, got, w)
				}
			}
			if (len(cs[0].HTTPShared) > 0) != tt.httpShare {
				t.Errorf("HTTPShared = %v, want shared=%v", cs[0].HTTPShared, tt.httpShare)
			}
			msg, fix := cs[0].Message(), cs[0].Fix(versions.MustParseCilium("1.20.2"))
			if !strings.Contains(msg, cs[0].Addrs[0].String()) || fix == "" {
				t.Errorf("message %q / fix %q do not name the address or a fix", msg, fix)
			}
		})
	}
}

// TestFixFollowsRelease: two groups only, serverNames are the fix where the
// release's Envoy enforces them.
func TestFixFollowsRelease(t *testing.T) {
	uses := chartUses(false)[1:3] // aws and google
	cs, err := Find(uses, resolve(t, "sts.amazonaws.com=10.0.0.1", "storage.googleapis.com=10.0.0.1"))
	if err != nil || len(cs) != 1 {
		t.Fatalf("Find = %v, %v", cs, err)
	}
	if cs[0].Ordered {
		t.Errorf("two [{}] groups are ordered by the identities they select, which the policies do not show: want candidates, got %v", cs[0].Names)
	}
	for v, want := range map[string]string{
		"1.16.3":  "not on Cilium 1.16.3",
		"1.17.16": "listing its exact names",
		"1.18.10": "leading *. or **.",
		"1.20.2":  "accepts * anywhere",
	} {
		if fix := cs[0].Fix(versions.MustParseCilium(v)); !strings.Contains(fix, want) {
			t.Errorf("%s: fix %q, want %q", v, fix, want)
		}
	}
}
