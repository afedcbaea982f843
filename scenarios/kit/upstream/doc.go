// Package upstream wires the offline fake upstream: HTTPS servers standing
// in for the public sites the scenarios request, so the scenarios run
// without internet.
//
// The pieces: a fake public CA and one server certificate for every test
// domain, made at test time and never written to the repository (Certs);
// one fake-upstream container per name on kind's Docker network (Start:
// the cmd/fake-upstream program built on the host into a static binary, in
// an image FROM scratch whose build context goes to the Engine API as a
// tar, so neither the build nor the run pulls anything), each at an
// address of its own, because Cilium gives an address one identity and
// names sharing one would share every policy's rules; the DNS answers
// sending each name to its container (Upstream.Answers), which CoreDNS is
// made to give (WithHosts, EnsureHosts; HostsAnswers reads them back) and
// from which Cilium's DNS proxy, or the agent tier, derives identities;
// the removal of what a killed run left (RemoveLeftovers, RemoveHosts);
// and the fake CA added to the chart's upstream trust so Envoy accepts the
// fake servers when it re-encrypts (ChartValues).
package upstream
