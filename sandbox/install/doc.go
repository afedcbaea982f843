// Package install puts the interception onto an existing cluster that
// already runs Cilium, and takes it off again. It never installs, upgrades
// or restarts Cilium.
//
// Install runs timed steps through sandbox/steps, as up does: cilium (read
// the running release from the agent image and cilium-config, and name what
// interception lacks with the one helm upgrade line that adds it) and
// dependencies (cert-manager and trust-manager: installed by an earlier
// Install, found installed by someone else and checked for what the chart
// needs, or absent) look without acting; then cert-manager, trust-manager
// (installed through release.EnsureRelease as up installs them, only when
// absent or installed by Install), chart (the interception chart with values
// rendered for the running release) and ready (the waits of up:
// Certificates Ready, the CA name-constrained, the Bundles synced, Cilium's
// operator's copies of the policy secrets, the test workload rolled out).
//
// Releases Install creates carry a label on their Helm record; Uninstall
// removes only those, and the secrets their Certificates wrote, and says
// what it leaves.
package install
