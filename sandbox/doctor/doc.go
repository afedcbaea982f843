// Package doctor says why Cilium's egress TLS interception is not active.
//
// It gathers a State from a Source (a live cluster through client-go, or a
// dump directory of `kubectl get -o yaml` output and agent logs), runs
// checks in dependency order and returns a Report of Findings. Each Finding
// has a status (pass, fail, warn, skip), a reason, a fix and the evidence it
// saw; the first failure is the root cause. Checks whose inputs are missing
// from the State skip and say which kind they needed, rather than guess.
//
// Run gathers and evaluates; Evaluate judges a State already gathered.
// WriteState records a State in the dump layout (private key values
// redacted), so a live cluster becomes a fixture; WriteReport writes the text
// and JSON reports and the recorded state into a folder, for the artifacts
// of a failed scenario.
//
// The checks follow what Cilium's agent needs to build a TLS context for a
// policy: agents and the L7 proxy, Envoy ready on each node the workload
// runs on (judged against the nodes' labels and taints as the DaemonSet
// controller judges them), the secrets mode of the running release (1.16's
// secrets backend, 1.17+'s secrets namespace and secret sync), the secrets
// and their keys, the copies Cilium's operator makes of them under secret
// sync, cert-manager Certificates and their SANs, DNS and HTTP rules, the
// workload's selection and by Cilium itself, proxies set in the workload's
// environment, CA trust, and the agents' own log lines. Then the data path:
// what the agent on the workload's node realized (the endpoint's redirect
// to Envoy, the names its DNS proxy learned), the certificates its Envoy
// holds, Hubble Relay's last flows of the workload both ways (Envoy's L7
// responses to it included), and past the redirect, Envoy's own TLS
// counters and log: whether it verifies the real servers against the
// upstream trust (the originatingTLS secret and the trust-manager Bundle
// writing it) and completes its handshakes with them. These are read with
// cilium-dbg through the Kubernetes exec API (podexec) and from the Relay
// (hubble), or from datapath/ and logs/envoy/ in a dump. A check whose
// source could not be read says unread, with the reason, and never passes.
package doctor
