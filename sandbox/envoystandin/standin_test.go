package envoystandin

import (
	"net/http"
	"net/netip"
	"testing"
)

// Identities for the hand-built NPDS resources: with the old offline
// answers every test name resolves to 10.0.0.1, whose one identity every
// group's toFQDNs selects; with one address per name each has its own.
const (
	shared   = 16777217
	idGitHub = 16777217
	idAWS    = 16777218
	idGoogle = 16777219
	idPass   = 16777220
)

// sharedNPDS is port 443 of the workload's NPDS under the old answers, in
// the order Cilium sends it (pkg/envoy/policy/sort.go: rules without HTTP
// rules first, then fewer HTTP rules, then fewer headers): the
// pass-through allow, the aws and google groups ([{}]), the github group
// (GET /meta).
func sharedNPDS(serverNames bool) *StandIn {
	names := func(n ...string) []string {
		if serverNames {
			return n
		}
		return nil
	}
	ipc := IPCache{}
	ipc.Add(netip.MustParseAddr("10.0.0.1"), shared)
	return &StandIn{IPCache: ipc, NPDS: port443(
		l4Allow(shared),
		groupRule("aws", []uint32{shared}, names("*.amazonaws.com")),
		groupRule("google", []uint32{shared}, names("*.googleapis.com")),
		groupRule("github", []uint32{shared}, names("api.github.com", "github.com"), getMeta()),
	)}
}

// distinctNPDS is the same policy with one address and identity per name.
func distinctNPDS() *StandIn {
	ipc := IPCache{}
	for addr, id := range map[string]uint32{"10.0.0.1": idGitHub, "10.0.0.2": idAWS, "10.0.0.3": idGoogle, "10.0.0.4": idPass} {
		ipc.Add(netip.MustParseAddr(addr), id)
	}
	return &StandIn{IPCache: ipc, NPDS: port443(
		l4Allow(idPass),
		groupRule("aws", []uint32{idAWS}, nil),
		groupRule("google", []uint32{idGoogle}, nil),
		groupRule("github", []uint32{idGitHub}, nil, getMeta()),
	)}
}

// TestSharedAddressDefect reproduces the offline defect: every name on one
// address. The proxy walks an exact port's rules in reverse of Cilium's
// order, so the github rule comes first: example.com, meant to pass
// through, is terminated with github's certificate, and POST /meta is
// allowed on api.github.com by another group's [{}] rule. With one address
// per name both behave.
func TestSharedAddressDefect(t *testing.T) {
	tests := []struct {
		name         string
		s            *StandIn
		c            Connection
		wantServer   string // the rule terminating, "raw", "raw to http" or "denied"
		method, path string
		wantAllowed  bool
		wantBy       string
	}{
		{"old answers: example.com", sharedNPDS(false), conn("10.0.0.1", "example.com"),
			"NPDS egress entry 0 rule 3", "POST", "/meta", true, "NPDS egress entry 0 rule 2"},
		{"old answers: api.github.com POST", sharedNPDS(false), conn("10.0.0.1", "api.github.com"),
			"NPDS egress entry 0 rule 3", "POST", "/meta", true, "NPDS egress entry 0 rule 2"},
		{"old answers, serverNames: example.com", sharedNPDS(true), conn("10.0.0.1", "example.com"),
			"raw to http", "GET", "/", true, "NPDS egress entry 0 rule 2"},
		{"old answers, serverNames: api.github.com POST", sharedNPDS(true), conn("10.0.0.1", "api.github.com"),
			"NPDS egress entry 0 rule 3", "POST", "/meta", true, "NPDS egress entry 0 rule 2"},
		{"one address per name: example.com", distinctNPDS(), conn("10.0.0.4", "example.com"),
			"raw to http", "GET", "/", true, "NPDS egress entry 0 rule 0"},
		{"one address per name: api.github.com POST", distinctNPDS(), conn("10.0.0.1", "api.github.com"),
			"NPDS egress entry 0 rule 3", "POST", "/meta", false, ""},
		{"one address per name: api.github.com GET", distinctNPDS(), conn("10.0.0.1", "api.github.com"),
			"NPDS egress entry 0 rule 3", "GET", "/meta", true, "NPDS egress entry 0 rule 3"},
		{"unknown address is world", distinctNPDS(), conn("192.0.2.9", "www.wikipedia.org"),
			"denied", "GET", "/", false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := tt.s.Decide(tt.c)
			if err != nil {
				t.Fatal(err)
			}
			if got := serverOf(d); got != tt.wantServer {
				t.Errorf("TLS context: %s, want %s", got, tt.wantServer)
			}
			v := tt.s.Authorize(d, &Request{Method: tt.method, Path: tt.path, Authority: tt.c.SNI, Header: http.Header{}})
			by := ""
			if v.Rule != nil {
				by = v.Rule.String()
			}
			if v.Allowed != tt.wantAllowed || (tt.wantAllowed && by != tt.wantBy) {
				t.Errorf("%s %s: allowed=%v by %q, want allowed=%v by %q", tt.method, tt.path, v.Allowed, by, tt.wantAllowed, tt.wantBy)
			}
			if !v.Allowed && v.Status != http.StatusForbidden {
				t.Errorf("denied with status %d, want 403", v.Status)
			}
		})
	}
}

func serverOf(d *Decision) string {
	switch {
	case d.Network != VerdictAllow:
		return "denied"
	case d.Server != nil:
		return d.Server.String()
	case d.RawToHTTP:
		return "raw to http"
	case d.Raw:
		return "raw"
	}
	return "none"
}

// TestServerTLSFromSDS terminates with the chosen rule's SDS certificate and
// fails, as Envoy's context never becomes ready, when SDS lacks it.
func TestServerTLSFromSDS(t *testing.T) {
	ca := newTestCA(t, "sandbox CA")
	chain, key := ca.leaf(t, "api.github.com", "github.com")
	s := sharedNPDS(false)
	s.Secrets = Secrets{"cilium-secrets/intercept-github-tls": tlsSecret("cilium-secrets/intercept-github-tls", chain, key)}
	d, err := s.Decide(conn("10.0.0.1", "example.com"))
	if err != nil {
		t.Fatal(err)
	}
	cfg, name, err := s.ServerTLS(d)
	if err != nil || name != "cilium-secrets/intercept-github-tls" || len(cfg.Certificates) != 1 {
		t.Fatalf("ServerTLS = %v, %q, %v; want github's certificate", cfg, name, err)
	}
	if cfg.ClientAuth != 0 {
		t.Errorf("a context without trusted CA requires client certificates")
	}
	if _, _, err := s.UpstreamTLS(d); err == nil {
		t.Errorf("UpstreamTLS without the upstream CA in SDS succeeded")
	}
	delete(s.Secrets, "cilium-secrets/intercept-github-tls")
	if _, _, err := s.ServerTLS(d); err == nil {
		t.Errorf("ServerTLS without the SDS secret succeeded")
	}
}
