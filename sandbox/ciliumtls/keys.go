package ciliumtls

import (
	"github.com/cilium/cilium/pkg/policy/api"
)

// The keys the agent reads from a policy secret when a TLS context does not
// name others (pkg/crypto/certificatemanager caDefaultName,
// publicDefaultName, privateDefaultName).
const (
	KeyCertificate = "tls.crt"
	KeyPrivateKey  = "tls.key"
	KeyTrustedCA   = "ca.crt"
)

// Direction is the side of Envoy a TLS context is for.
type Direction string

const (
	// Terminating: Envoy presents the secret's certificate to the pod.
	Terminating Direction = "terminatingTLS"
	// Originating: Envoy validates the real server with the secret's CA.
	Originating Direction = "originatingTLS"
)

// RequiredKeys returns the keys a TLS context needs in its secret.
//
// Inline (1.16, and 1.17+ without SDS): a terminating context needs the
// certificate chain and private key, an originating one the trusted CA
// (pkg/policy/l4.go getCerts: "Terminating TLS context is missing certs.",
// "Originating TLS context is missing CA certs."), each under the key the
// context names instead, if any; a key the context names explicitly must
// exist in either direction (certificatemanager GetTLSContext: "Trusted CA
// %s not found in secret %s").
//
// Over SDS the agent reads no keys: Envoy gets the operator's copy, which
// pkg/envoy/secretsync.go k8sToEnvoySecret turns into a TLS certificate from
// tls.crt and tls.key, or else a validation context from ca.crt, whatever
// the context names. So a terminating secret needs tls.crt and tls.key and
// an originating one ca.crt (and no tls.*, see ForbiddenUnderSync).
func RequiredKeys(dir Direction, c *api.TLSContext, sds bool) []string {
	if sds {
		if dir == Terminating {
			return []string{KeyCertificate, KeyPrivateKey}
		}
		return []string{KeyTrustedCA}
	}
	var out []string
	if dir == Terminating {
		out = append(out, or(c.Certificate, KeyCertificate), or(c.PrivateKey, KeyPrivateKey))
		if c.TrustedCA != "" {
			out = append(out, c.TrustedCA)
		}
		return out
	}
	out = append(out, or(c.TrustedCA, KeyTrustedCA))
	if c.Certificate != "" {
		out = append(out, c.Certificate)
	}
	if c.PrivateKey != "" {
		out = append(out, c.PrivateKey)
	}
	return out
}

// ForbiddenUnderSync returns the keys an originating secret must not hold
// when the agent serves it over SDS: with tls.* keys k8sToEnvoySecret makes
// the copy a TLS certificate, not the validation context the upstream is
// checked with, so it must hold ca.crt and no tls.* keys. Terminating secrets have
// no forbidden keys (ca.crt there is ignored since 1.16, cilium/cilium#31903).
func ForbiddenUnderSync(dir Direction) []string {
	if dir == Originating {
		return []string{KeyCertificate, KeyPrivateKey}
	}
	return nil
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
