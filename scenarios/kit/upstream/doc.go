// Package upstream wires the offline fake upstream: HTTPS servers standing
// in for the public sites the scenarios request, so the scenarios run
// without internet.
//
// The pieces: a fake public CA and one server certificate for every test
// domain, made at test time and never written to the repository (Certs);
// the fake-upstream container on kind's Docker network (Start: the
// cmd/fake-upstream program built on the host into a static binary, in an
// image FROM scratch whose build context goes to the Engine API as a tar,
// so neither the build nor the run pulls anything); CoreDNS answering the test domains with the container's
// address (WithHosts, EnsureHosts); and the fake CA added to the chart's
// upstream trust so Envoy accepts the fake servers when it re-encrypts
// (ChartValues).
package upstream
