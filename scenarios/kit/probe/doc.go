// Package probe makes an HTTPS request with curl from inside a pod and says
// what answered: the sandbox's interception (a leaf chaining to the sandbox
// CA), the real server (a public chain), Envoy's 403 for a request the L7
// rules deny, a TLS failure or a timeout.
//
// Running curl is a seam (podexec.Execer): podexec.PodExecer runs it in a
// pod through the Kubernetes exec API, tests run the same command against
// local servers.
// Building the command, parsing curl's output and classifying the result are
// pure functions, so the chain analysis is tested offline against chains
// made in the test.
package probe
