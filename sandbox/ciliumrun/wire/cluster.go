package wire

// StartRequest starts cluster mode: the release's operator (its secret
// sync, 1.17+) and agent run against the API server of Kubeconfig until
// the helper's input ends, configured from the cluster's cilium-config
// ConfigMap as Cilium's own binaries are.
type StartRequest struct {
	// Kubeconfig reaches the API server.
	Kubeconfig string `json:"kubeconfig"`
	// Config overrides the cilium-config read from the cluster, key by key.
	Config map[string]string `json:"config,omitempty"`
	// NoOperator runs the agent alone, as a second node's agent does: the
	// operator of another session already syncs the policy secrets.
	NoOperator bool `json:"noOperator,omitempty"`
}

// Started answers OpStart: what runs, configured how.
type Started struct {
	Hello Hello `json:"hello"`
	// Settings are the configuration values the pieces that run read.
	Settings []Setting `json:"settings"`
	// StandIns names, one line each, what stands in for what.
	StandIns []string `json:"standIns"`
	// Operator says whether the operator's secret sync runs, and why not.
	Operator Operator `json:"operator"`
}

// ViewRequest asks for the agent's view of one workload once its DNS
// proxy has seen the answers (cluster mode). The answers accumulate over
// a session, as the agent's DNS cache does until their TTLs pass.
type ViewRequest struct {
	Workload Workload `json:"workload"`
	// DNS are answers the agent's DNS proxy sees before the view.
	DNS []DNSAnswer `json:"dns,omitempty"`
	// IncludeSecretValues puts the SDS secrets' values and inline private
	// keys in the view: the Envoy stand-in of tests terminates TLS with
	// them. Otherwise private keys never leave the helper.
	IncludeSecretValues bool `json:"includeSecretValues,omitempty"`
}

// ClusterView answers OpView: the policies the agent read from the API
// server, the identities and IP cache after the answers, and the view.
type ClusterView struct {
	// Policies are the parse and sanitize verdicts of every policy object
	// the API server holds.
	Policies []PolicyVerdict `json:"policies"`
	// Revision is the policy repository's revision the view was computed at.
	Revision uint64 `json:"revision"`
	// Identities are the identities the agent knows; IPCache the prefixes
	// of the workload's, kube-dns's and the answers' addresses.
	Identities []Identity     `json:"identities"`
	IPCache    []IPCacheEntry `json:"ipcache"`
	// View is the workload's.
	View WorkloadView `json:"workload"`
}

// SecretsRequest lists the SDS secrets the agent serves (OpSecrets).
type SecretsRequest struct {
	// IncludeSecretValues puts their values in the answer (tests).
	IncludeSecretValues bool `json:"includeSecretValues,omitempty"`
}

// WaitSecretRequest waits until the SDS secret Name is served at a
// version other than NotVersion, for at most TimeoutSeconds.
type WaitSecretRequest struct {
	Name           string `json:"name"`
	NotVersion     string `json:"notVersion,omitempty"`
	TimeoutSeconds int    `json:"timeoutSeconds"`
	// IncludeSecretValues puts its value in the answer (tests).
	IncludeSecretValues bool `json:"includeSecretValues,omitempty"`
}
