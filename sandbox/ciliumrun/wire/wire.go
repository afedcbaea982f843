// Package wire is the JSON protocol between the sandbox binary and a
// per-release helper: a small program built for one Cilium release that
// runs that release's own agent and operator code. It imports only the
// standard library, because the builder copies it verbatim into every
// helper's module, whatever Kubernetes and Envoy libraries that release
// pins.
//
// The conversation is newline-delimited JSON on the helper's standard
// input and output: the sandbox writes Requests, the helper answers each
// with one Response carrying the same ID, in order, and exits when its
// input ends. The helper's standard error carries its progress and
// Cilium's own log lines, for people, never for parsing.
//
// Two modes share it. In manifests mode (OpLint) a single request carries
// the user's objects and the helper answers from Cilium's code with fake
// API clients standing in for the API server. In cluster mode (OpStart,
// then OpView, OpSecrets, OpWaitSecret) the helper runs against a real API
// server until its input ends.
package wire

// Version is the protocol's version; a helper answers a Request of another
// version with an error, and the builder rebuilds helpers whose version
// differs.
const Version = 1

// Op names what a Request asks for.
type Op string

// The operations.
const (
	// OpHello returns the helper's Hello: what it runs.
	OpHello Op = "hello"
	// OpLint runs Cilium's code on the request's manifests (manifests mode).
	OpLint Op = "lint"
	// OpStart starts the operator and the agent against a real API server
	// (cluster mode); OpView, OpSecrets and OpWaitSecret follow it.
	OpStart Op = "start"
	// OpView computes the agent's view of one workload (cluster mode).
	OpView Op = "view"
	// OpSecrets lists the secrets the agent serves over SDS (cluster mode).
	OpSecrets Op = "secrets"
	// OpWaitSecret waits until an SDS secret differs from a version (cluster mode).
	OpWaitSecret Op = "waitSecret"
)

// Request is one message to the helper.
type Request struct {
	// Protocol is Version.
	Protocol int `json:"protocol"`
	// ID is echoed in the Response.
	ID int `json:"id"`
	Op Op  `json:"op"`
	// Lint is OpLint's input.
	Lint *LintRequest `json:"lint,omitempty"`
	// Start is OpStart's input.
	Start *StartRequest `json:"start,omitempty"`
	// View is OpView's input.
	View *ViewRequest `json:"view,omitempty"`
	// Secrets is OpSecrets' input.
	Secrets *SecretsRequest `json:"secrets,omitempty"`
	// WaitSecret is OpWaitSecret's input.
	WaitSecret *WaitSecretRequest `json:"waitSecret,omitempty"`
}

// Response is the helper's answer to one Request. Error is set, and the
// other fields empty, when the helper could not do what was asked; what
// Cilium's code decided (a policy it rejects, an endpoint whose policy it
// cannot compute) is a result, not an Error.
type Response struct {
	ID    int    `json:"id"`
	Error string `json:"error,omitempty"`
	// Hello answers OpHello.
	Hello *Hello `json:"hello,omitempty"`
	// Started answers OpStart.
	Started *Started `json:"started,omitempty"`
	// Lint answers OpLint.
	Lint *LintResult `json:"lint,omitempty"`
	// View answers OpView.
	View *ClusterView `json:"view,omitempty"`
	// Secrets answers OpSecrets and OpWaitSecret.
	Secrets []SDSSecret `json:"secrets,omitempty"`
}

// Hello says what a helper runs.
type Hello struct {
	// Protocol is the helper's Version.
	Protocol int `json:"protocol"`
	// Cilium is the release whose code the helper runs, "1.18.6", read from
	// the helper's own build information.
	Cilium string `json:"cilium"`
	// Modules lists the helper's modules that differ from what Cilium's own
	// go.mod asks for, "k8s.io/apimachinery v0.30.2 (Cilium's go.mod replaces
	// it with github.com/cilium/apimachinery v0.30.2-1, which the module
	// proxy does not serve)".
	Modules []string `json:"modules,omitempty"`
}
