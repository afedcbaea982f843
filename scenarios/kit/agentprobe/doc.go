// Package agentprobe is the probe of the agent provider: a Go client that
// makes the request a scenario's curl probe makes, in a world where
// Cilium's agent decides and a stand-in decides for Envoy, and returns the
// same probe.Result, classified by the same probe.Classify, so the
// scenarios' expectations are the same code on both providers.
//
// For a request it resolves the host through the DNS answers the world was
// given, finds the address's identity in the agent's IP cache, and asks the
// endpoint's policy map what happens to egress to it: a drop times out as
// curl does (exit 28); an allow without a proxy goes straight to the
// upstream; a redirect goes to sandbox/envoystandin (a stand-in for
// Envoy's decisions, not Envoy), which picks the rule and TLS context from
// the whole NPDS. The client captures whatever chain is served, as curl
// --insecure does, and the classifier verifies it against the pod's CA
// bundle. The stand-in's TLS server, its HTTP rules and its upstream TLS
// run over loopback with Go's crypto/tls; the upstream is an in-process
// server presenting the fake upstream's chain.
//
// The World is the seam to the agent tier: given DNS answers, what the
// agent gives the endpoint's Envoy (NPDS, SDS secrets, IP cache) and its
// policy map. ClusterWorld is a release's own agent in a per-release helper
// in cluster mode (sandbox/ciliumrun); tests use worlds built by hand.
package agentprobe
