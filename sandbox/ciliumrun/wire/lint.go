package wire

import "encoding/json"

// LintRequest is manifests mode's input: the user's objects and the
// configuration the agent and the operator start with.
type LintRequest struct {
	// Config is the data of a cilium-config ConfigMap: the agent's and
	// operator's flag names to values.
	Config map[string]string `json:"config"`
	// Objects are the manifests' objects as JSON, each with its namespace
	// set: CiliumNetworkPolicies, CiliumClusterwideNetworkPolicies,
	// Secrets, Namespaces and whatever else (ignored).
	Objects []json.RawMessage `json:"objects"`
	// Workloads are the workloads whose view the agent computes.
	Workloads []Workload `json:"workloads"`
	// DNS are the answers the agent's DNS proxy sees, in order.
	DNS []DNSAnswer `json:"dns"`
	// IncludeSecretValues puts the SDS secrets' values in the result; only
	// tests ask for it. Otherwise private keys never leave the helper.
	IncludeSecretValues bool `json:"includeSecretValues,omitempty"`
}

// Workload is a pod's identity-relevant facts.
type Workload struct {
	// Name names the workload, "Deployment intercept-workload/intercept-workload".
	Name      string `json:"name"`
	Namespace string `json:"namespace"`
	// Labels are the pod template's labels.
	Labels map[string]string `json:"labels"`
	// NamespaceLabels are the labels of the pod's Namespace object.
	NamespaceLabels map[string]string `json:"namespaceLabels,omitempty"`
	// ServiceAccount is the pod's service account ("default" when unset).
	ServiceAccount string `json:"serviceAccount"`
}

// DNSAnswer is one DNS response: a name and its addresses.
type DNSAnswer struct {
	Name      string   `json:"name"`
	Addresses []string `json:"addresses"`
	TTL       int      `json:"ttl"`
	// Assumed says the sandbox made the answer up (no --resolve for the
	// name): one distinct address per name.
	Assumed bool `json:"assumed,omitempty"`
}

// LintResult is what Cilium's code made of the manifests.
type LintResult struct {
	Hello Hello `json:"hello"`
	// Settings are the configuration values the pieces that ran read, as
	// they were after start.
	Settings []Setting `json:"settings"`
	// StandIns names, one line each, what stands in for what.
	StandIns []string `json:"standIns"`
	// Policies are the parse and sanitize verdicts, one per policy object.
	Policies []PolicyVerdict `json:"policies"`
	// Operator is the operator's secret sync.
	Operator Operator `json:"operator"`
	// Identities are the identities the agent knows: the reserved ones,
	// the workloads', kube-dns's and those of DNS answers.
	Identities []Identity `json:"identities"`
	// IPCache maps addresses to identities, as the agent's IP cache does.
	IPCache []IPCacheEntry `json:"ipcache"`
	// Workloads are the agent's views, one per requested workload.
	Workloads []WorkloadView `json:"workloads"`
}

// Setting is one configuration value.
type Setting struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// PolicyVerdict is Cilium's verdict on one policy object.
type PolicyVerdict struct {
	Kind      string `json:"kind"`
	Namespace string `json:"namespace,omitempty"`
	Name      string `json:"name"`
	// Rules is the number of rules Parse returned.
	Rules int `json:"rules"`
	// Error is Parse's (and so Sanitize's) error text, "" when accepted.
	Error string `json:"error,omitempty"`
}

// Operator is what the operator's secret sync did.
type Operator struct {
	// Enabled says whether the release has the sync (1.17+) and the
	// configuration turns it on.
	Enabled bool `json:"enabled"`
	// Reason says why it did not run, when it did not.
	Reason           string `json:"reason,omitempty"`
	SecretsNamespace string `json:"secretsNamespace,omitempty"`
	// Reconciles are the reconciler's results, one per request it was given.
	Reconciles []Reconcile `json:"reconciles,omitempty"`
	// Calls are the reconciler's writes to the API server, in order.
	Calls []APICall `json:"calls,omitempty"`
	// Copies are the secrets in the secrets namespace after the sync that
	// carry the sync's owner labels.
	Copies []SecretCopy `json:"copies,omitempty"`
}

// Reconcile is one call of the reconciler.
type Reconcile struct {
	// Secret is the request, "namespace/name".
	Secret string `json:"secret"`
	// RequeueAfter is the result's RequeueAfter, "" when zero.
	RequeueAfter string `json:"requeueAfter,omitempty"`
	Requeue      bool   `json:"requeue,omitempty"`
	Error        string `json:"error,omitempty"`
}

// APICall is one write the operator made.
type APICall struct {
	Verb      string `json:"verb"`
	Kind      string `json:"kind"`
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
	// Error is the API server's (stand-in's) refusal, "" when it succeeded.
	Error string `json:"error,omitempty"`
}

// SecretCopy is a secret the operator wrote.
type SecretCopy struct {
	Namespace string            `json:"namespace"`
	Name      string            `json:"name"`
	Type      string            `json:"type"`
	Labels    map[string]string `json:"labels"`
	// Keys are the data keys, sorted; never the values.
	Keys []string `json:"keys"`
}

// Identity is a security identity and its labels.
type Identity struct {
	ID     uint32   `json:"id"`
	Labels []string `json:"labels"`
}

// IPCacheEntry is one prefix of the agent's IP cache.
type IPCacheEntry struct {
	Prefix   string `json:"prefix"`
	Identity uint32 `json:"identity"`
	// Source is the IP cache's source of the entry ("generated", "k8s", ...).
	Source string `json:"source,omitempty"`
	// Names are the DNS names that resolved to it.
	Names []string `json:"names,omitempty"`
}
