package wire

import "encoding/json"

// WorkloadView is what the agent computes for one workload's endpoint.
type WorkloadView struct {
	Workload Workload `json:"workload"`
	// Identity is the endpoint's identity.
	Identity uint32 `json:"identity"`
	// Endpoint is the stand-in endpoint's ID and address.
	EndpointID   uint16 `json:"endpointID"`
	EndpointIPv4 string `json:"endpointIPv4"`
	// PolicyError is the agent's failure to compute the endpoint's policy
	// (the endpoint then keeps its previous policy), with what the policy
	// engine logged on the way.
	PolicyError string   `json:"policyError,omitempty"`
	Logged      []string `json:"logged,omitempty"`
	// PolicyMap are the endpoint's policy-map entries.
	PolicyMap []PolicyMapEntry `json:"policyMap,omitempty"`
	// Redirects are the proxy redirects the policy needs.
	Redirects []Redirect `json:"redirects,omitempty"`
	// NPDS is the NetworkPolicy resource (cilium.NetworkPolicy) the agent's
	// xDS server serves Envoy for the endpoint, as protojson. Private keys
	// inline in it are redacted unless values were asked for.
	NPDS json.RawMessage `json:"npds,omitempty"`
	// Listeners are the Envoy listeners the agent builds for the redirects
	// (envoy.config.listener.v3.Listener), as protojson.
	Listeners []EnvoyListener `json:"listeners,omitempty"`
	// SDS are the secrets the agent's xDS server serves over SDS.
	SDS []SDSSecret `json:"sds,omitempty"`
}

// PolicyMapEntry is one entry of an endpoint's policy map, with Cilium's
// field names (policy.Key and policy.MapStateEntry).
type PolicyMapEntry struct {
	TrafficDirection string `json:"trafficDirection"`
	Identity         uint32 `json:"identity"`
	Nexthdr          uint8  `json:"nexthdr"`
	DestPort         uint16 `json:"destPort"`
	// DestPortPrefixLen is the port's prefix length (16 for one port, 0 for
	// any), as port ranges are stored.
	DestPortPrefixLen uint8  `json:"destPortPrefixLen"`
	ProxyPort         uint16 `json:"proxyPort"`
	IsDeny            bool   `json:"isDeny"`
	// AuthType is the entry's authentication requirement, "" when none.
	AuthType string `json:"authType,omitempty"`
}

// Redirect is one proxy redirect of an endpoint.
type Redirect struct {
	// ProxyID is policy.ProxyID's name for it.
	ProxyID   string `json:"proxyID"`
	Parser    string `json:"parser"`
	ProxyPort uint16 `json:"proxyPort"`
	// Listener is the Envoy listener's name, "" for the DNS proxy.
	Listener string `json:"listener,omitempty"`
}

// EnvoyListener is an Envoy listener as the agent's xDS server serves it.
type EnvoyListener struct {
	Name     string          `json:"name"`
	Listener json.RawMessage `json:"listener"`
}

// SDSSecret is a secret the agent's xDS server serves over SDS.
type SDSSecret struct {
	// Name is the SDS name, "cilium-secrets/intercept-github-tls".
	Name string `json:"name"`
	// Type is the Envoy secret's kind: tlsCertificate, validationContext,
	// genericSecret.
	Type string `json:"type"`
	// Version is the xDS resource version it was served at.
	Version string `json:"version,omitempty"`
	// Secret is the envoy.extensions.transport_sockets.tls.v3.Secret as
	// protojson, only when values were asked for (tests, cluster mode).
	Secret json.RawMessage `json:"secret,omitempty"`
}
