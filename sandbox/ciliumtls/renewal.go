package ciliumtls

import (
	"fmt"
	"time"

	"github.com/cilium-tls-intercept/sandbox/sandbox/versions"
)

// ResyncInterval is how often Cilium's operator requeues each synced copy on
// its own, from 1.18.5 (operator/pkg/secretsync/cell.go resyncInterval, with
// a jitter that only shortens it, to 48 minutes at least). Before (row K8 of
// the table of known bugs) a copy is refreshed only on watch events of its
// source or of a policy.
const ResyncInterval = time.Hour

// Resyncs reports whether release v's operator requeues its copies every
// ResyncInterval: a release with secret sync and without row K8
// (versions.NoCopyRequeue).
func Resyncs(v versions.Cilium) bool {
	return ModeOf(v) == ModeNamespaceSync && !versions.Affected(versions.NoCopyRequeue, v)
}

// InlineRenewal says how a renewal reaches Envoy when secrets go inline in
// the network policy (1.16, and 1.17+ without SDS): the agent reads the
// secret while computing the endpoint's policy, so nothing sends a renewal
// until that policy is computed again (cilium/cilium#35513).
const InlineRenewal = "inline in the network policy, so a renewal reaches Envoy only when the agent recomputes the endpoint's policy (cilium/cilium#35513)"

// RenewalDelivery says, for release v, how a renewed certificate reaches
// Envoy with the secrets mode the sandbox installs.
func RenewalDelivery(v versions.Cilium) string {
	switch {
	case ModeOf(v) == ModeK8sBackend:
		return InlineRenewal
	case !Resyncs(v):
		return "over SDS: the operator copies the renewed secret into the secrets namespace on its watch event, and the agent sends the copy to Envoy"
	default:
		return "over SDS: the operator copies the renewed secret into the secrets namespace on its watch event (and requeues every copy hourly), and the agent sends the copy to Envoy"
	}
}

// UnwatchedRenewal says, for release v, when a renewal of a secret kept
// inside the secrets namespace under sync reaches Envoy: the operator does
// not watch that namespace, so only its hourly resync (from 1.18.5) or a
// policy change copies it again.
func UnwatchedRenewal(v versions.Cilium) string {
	if Resyncs(v) {
		return "a renewal only at the operator's hourly resync"
	}
	k8 := versions.KnownBugByID(versions.NoCopyRequeue)
	return fmt.Sprintf("a renewal only when a policy changes (Cilium %s's operator never requeues its copies: known bug %s, %s)", v, k8.Label(), k8.FixedText(v))
}

// TLSContextErrorLogs returns the text release v's agent logs when it
// cannot build a TLS context (pkg/policy/l4.go getCerts): "policy: Error
// getting terminating TLS Context." or "... originating ..." while row K19
// (versions.TLSContextLogDirection) holds (1.16.19 l4.go:870, 1.17.17
// l4.go:895), "policy: Error getting TLS Context" with the direction as a
// field after. Compare case-insensitively.
func TLSContextErrorLogs(v versions.Cilium) []string {
	if !versions.Affected(versions.TLSContextLogDirection, v) {
		return []string{"policy: Error getting TLS Context"}
	}
	return []string{"policy: Error getting terminating TLS Context.", "policy: Error getting originating TLS Context."}
}

// StaleCopyFix says how to refresh an operator's copy that lags its source
// on release v, whose operator runs in namespace: its hourly resync does it
// from 1.18.5; before (row K8) only a restart, which copies every policy
// secret again, or a change of the source or of a policy.
func StaleCopyFix(v versions.Cilium, namespace string) string {
	restart := fmt.Sprintf("kubectl -n %s rollout restart deploy/%s", namespace, OperatorDeployment)
	if Resyncs(v) {
		return "wait for Cilium's operator's hourly resync, or restart it: " + restart
	}
	k8 := versions.KnownBugByID(versions.NoCopyRequeue)
	return fmt.Sprintf("restart Cilium's operator, which copies every policy secret again when it starts: %s (Cilium %s's operator never requeues its copies: known bug %s, %s)", restart, v, k8.Label(), k8.FixedText(v))
}
