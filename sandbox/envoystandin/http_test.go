package envoystandin

import (
	"net/http"
	"net/netip"
	"testing"

	cilium "github.com/cilium/proxy/go/cilium/api"
	route "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
)

// credentialNPDS is a group whose HTTP rule injects a credential as Cilium
// writes it for headerMatches with a secret (valueSdsSecret) or a value.
func credentialNPDS(m *cilium.HeaderMatch) *StandIn {
	rule := groupRule("github", []uint32{idGitHub}, nil, &cilium.HttpNetworkPolicyRule{
		Headers: getMeta().Headers, HeaderMatches: []*cilium.HeaderMatch{m}})
	ipc := IPCache{}
	ipc.Add(netip.MustParseAddr("10.0.0.1"), idGitHub)
	return &StandIn{IPCache: ipc, NPDS: port443(rule),
		Secrets: Secrets{"cilium-secrets/gh-token": genericSecret("cilium-secrets/gh-token", "Bearer s3cret")}}
}

// TestHeaderMatches checks the header actions credential injection relies
// on (HeaderMatch::allowed): the header after the request, and the verdict.
func TestHeaderMatches(t *testing.T) {
	sds := "cilium-secrets/gh-token"
	tests := []struct {
		name    string
		m       *cilium.HeaderMatch
		sent    []string // Authorization values sent
		want    []string // after the filter
		allowed bool
	}{
		{"replace from SDS", &cilium.HeaderMatch{Name: "Authorization", ValueSdsSecret: sds, MismatchAction: cilium.HeaderMatch_REPLACE_ON_MISMATCH},
			[]string{"Bearer wrong"}, []string{"Bearer s3cret"}, true},
		{"add from SDS when missing", &cilium.HeaderMatch{Name: "Authorization", ValueSdsSecret: sds, MismatchAction: cilium.HeaderMatch_ADD_ON_MISMATCH},
			nil, []string{"Bearer s3cret"}, true},
		{"add keeps a wrong value", &cilium.HeaderMatch{Name: "Authorization", ValueSdsSecret: sds, MismatchAction: cilium.HeaderMatch_ADD_ON_MISMATCH},
			[]string{"Bearer wrong"}, []string{"Bearer wrong", "Bearer s3cret"}, true},
		{"delete a wrong value", &cilium.HeaderMatch{Name: "Authorization", Value: "Bearer s3cret", MismatchAction: cilium.HeaderMatch_DELETE_ON_MISMATCH},
			[]string{"Bearer wrong"}, nil, true},
		{"log only", &cilium.HeaderMatch{Name: "Authorization", Value: "Bearer s3cret", MismatchAction: cilium.HeaderMatch_CONTINUE_ON_MISMATCH},
			[]string{"Bearer wrong"}, []string{"Bearer wrong"}, true},
		{"fail on mismatch", &cilium.HeaderMatch{Name: "Authorization", Value: "Bearer s3cret"},
			[]string{"Bearer wrong"}, []string{"Bearer wrong"}, false},
		{"a match continues", &cilium.HeaderMatch{Name: "Authorization", ValueSdsSecret: sds},
			[]string{"Bearer s3cret"}, []string{"Bearer s3cret"}, true},
		{"SDS secret not supplied", &cilium.HeaderMatch{Name: "Authorization", ValueSdsSecret: "cilium-secrets/absent", MismatchAction: cilium.HeaderMatch_REPLACE_ON_MISMATCH},
			nil, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := credentialNPDS(tt.m)
			d, err := s.Decide(conn("10.0.0.1", "api.github.com"))
			if err != nil {
				t.Fatal(err)
			}
			q := &Request{Method: "GET", Path: "/meta", Authority: "api.github.com", Header: http.Header{}}
			for _, v := range tt.sent {
				q.Header.Add("Authorization", v)
			}
			v := s.Authorize(d, q)
			if v.Allowed != tt.allowed {
				t.Errorf("allowed = %v, want %v (actions %v)", v.Allowed, tt.allowed, v.Actions)
			}
			got := q.Header.Values("Authorization")
			if len(got) != len(tt.want) || (len(got) > 0 && got[len(got)-1] != tt.want[len(tt.want)-1]) {
				t.Errorf("Authorization after the filter = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestHeaderMatcher checks Envoy's header matcher semantics on forms
// Cilium writes (regex :path, :method, exact and present headers) and the
// missing-header rules.
func TestHeaderMatcher(t *testing.T) {
	present, absent := true, false
	tests := []struct {
		name string
		m    *route.HeaderMatcher
		q    *Request
		want bool
	}{
		{"path regex is anchored", regexHeader(":path", "/meta"), &Request{Path: "/meta/x"}, false},
		{"path regex sees the query", regexHeader(":path", "/meta"), &Request{Path: "/meta?x=1"}, false},
		{"path regex", regexHeader(":path", "/repos/.*"), &Request{Path: "/repos/a/b"}, true},
		{"method regex", regexHeader(":method", "GET|HEAD"), &Request{Method: "HEAD"}, true},
		{"host regex", regexHeader(":authority", `api\.github\.com`), &Request{Authority: "api.github.com"}, true},
		{"present", &route.HeaderMatcher{Name: "X-Key", HeaderMatchSpecifier: &route.HeaderMatcher_PresentMatch{PresentMatch: present}},
			&Request{Header: http.Header{"X-Key": {""}}}, true},
		{"missing, present false", &route.HeaderMatcher{Name: "X-Key", HeaderMatchSpecifier: &route.HeaderMatcher_PresentMatch{PresentMatch: absent}},
			&Request{Header: http.Header{}}, true},
		{"missing, inverted regex", &route.HeaderMatcher{Name: "X-Key", InvertMatch: true, HeaderMatchSpecifier: regexHeader("", "a").HeaderMatchSpecifier},
			&Request{Header: http.Header{}}, false},
		{"values joined with a comma", &route.HeaderMatcher{Name: "X-Key", HeaderMatchSpecifier: regexHeader("", "a,b").HeaderMatchSpecifier},
			&Request{Header: http.Header{"X-Key": {"a", "b"}}}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hm, err := newHeaderMatcher(tt.m)
			if err != nil {
				t.Fatal(err)
			}
			if got := hm.match(tt.q); got != tt.want {
				t.Errorf("match = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestNoHTTPRulesAllowEverything: a port whose rules have no HTTP rules is
// not checked, and an allowing rule without HTTP rules allows any request.
func TestNoHTTPRulesAllowEverything(t *testing.T) {
	ipc := IPCache{}
	ipc.Add(netip.MustParseAddr("10.0.0.1"), idGitHub)
	s := &StandIn{IPCache: ipc, NPDS: port443(l4Allow(idGitHub))}
	d, err := s.Decide(conn("10.0.0.1", "api.github.com"))
	if err != nil {
		t.Fatal(err)
	}
	if v := s.Authorize(d, &Request{Method: "DELETE", Path: "/", Header: http.Header{}}); !v.Allowed || !v.NoHTTPRules {
		t.Errorf("Authorize = %+v, want allowed without HTTP rules", v)
	}
	if !d.Raw || d.RawToHTTP || !d.Allowed() {
		t.Errorf("a TCP listener passes through: raw=%v rawToHTTP=%v allowed=%v", d.Raw, d.RawToHTTP, d.Allowed())
	}
}
