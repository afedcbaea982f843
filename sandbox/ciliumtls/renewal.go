package ciliumtls

import (
	"time"

	"github.com/cilium-tls-intercept/sandbox/sandbox/versions"
)

// ResyncInterval is how often Cilium's operator requeues each synced copy on
// its own, from 1.18 (operator/pkg/secretsync/cell.go resyncInterval, with
// jitter). 1.17's operator has no such resync: a copy is refreshed on watch
// events of its source, and otherwise only by controller-runtime's default
// cache resync.
const ResyncInterval = time.Hour

// Resyncs reports whether release v's operator requeues its copies every
// ResyncInterval.
func Resyncs(v versions.Cilium) bool { return v.AtLeast(18) }

// InlineRenewal says how a renewal reaches Envoy when secrets go inline in
// the network policy (1.16, and 1.17+ without SDS): the agent reads the
// secret while computing the endpoint's policy, so nothing sends a renewal
// until that policy is computed again (cilium/cilium#35513).
const InlineRenewal = "inline in the network policy, so a renewal reaches Envoy only when the agent recomputes the endpoint's policy (cilium/cilium#35513)"

// RenewalDelivery says, for release v, how a renewed certificate reaches
// Envoy with the secrets mode the sandbox installs.
func RenewalDelivery(v versions.Cilium) string {
	switch {
	case !v.AtLeast(17):
		return InlineRenewal
	case !Resyncs(v):
		return "over SDS: the operator copies the renewed secret into the secrets namespace on its watch event, and the agent sends the copy to Envoy"
	default:
		return "over SDS: the operator copies the renewed secret into the secrets namespace on its watch event (and requeues every copy hourly), and the agent sends the copy to Envoy"
	}
}

// UnwatchedRenewal says, for release v, when a renewal of a secret kept
// inside the secrets namespace under sync reaches Envoy: the operator does
// not watch that namespace, so only its hourly resync (1.18+) or a policy
// change copies it again.
func UnwatchedRenewal(v versions.Cilium) string {
	if Resyncs(v) {
		return "a renewal only at the operator's hourly resync"
	}
	return "a renewal only when a policy changes (Cilium " + v.MinorString() + "'s operator has no periodic resync)"
}

// TLSContextErrorLogs returns the text release v's agent logs when it
// cannot build a TLS context (pkg/policy/l4.go getCerts): "policy: Error
// getting terminating TLS Context." or "... originating ..." in 1.16 and 1.17
// (1.16.19 l4.go:870, 1.17.16 l4.go:895), "policy: Error getting TLS Context"
// with the direction as a field from 1.18. Compare case-insensitively.
func TLSContextErrorLogs(v versions.Cilium) []string {
	if v.AtLeast(18) {
		return []string{"policy: Error getting TLS Context"}
	}
	return []string{"policy: Error getting terminating TLS Context.", "policy: Error getting originating TLS Context."}
}
