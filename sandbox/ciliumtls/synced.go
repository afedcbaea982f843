package ciliumtls

import (
	syncnames "github.com/cilium/cilium/pkg/secretsync/names"
	"k8s.io/apimachinery/pkg/types"

	"github.com/cilium-tls-intercept/sandbox/sandbox/versions"
)

// The labels Cilium's operator puts on its copy of a policy secret in the
// secrets namespace, naming the secret it copied (operator/pkg/secretsync,
// the same in 1.17 to 1.20).
const (
	OwningSecretNamespaceLabel = "secretsync.cilium.io/owning-secret-namespace"
	OwningSecretNameLabel      = "secretsync.cilium.io/owning-secret-name"
)

// IsSyncedCopy reports whether labels mark a secret as the operator's copy.
func IsSyncedCopy(labels map[string]string) bool {
	return labels[OwningSecretNamespaceLabel] != "" && labels[OwningSecretNameLabel] != ""
}

// CopyOf returns the secret an operator's copy was made from, by its labels.
func CopyOf(labels map[string]string) (ns, name string) {
	return labels[OwningSecretNamespaceLabel], labels[OwningSecretNameLabel]
}

// CopyCleanup says when Cilium's operator deletes its copy of a policy
// secret: once the source secret is deleted, or no policy names it any more
// (operator/pkg/secretsync/secretsync_reconcile.go, Reconcile and
// cleanupSyncedSecret, the same in 1.17 to 1.20).
const CopyCleanup = "Cilium's operator deletes its copy once the source secret is gone or no policy names it"

// SyncedSecretName is the name of the operator's copy of secret ns/name,
// which the agent of release v gives Envoy over SDS: "<ns>-<name>" while row
// K10 (versions.LegacyCopyNames) holds (up to 1.19.5), else
// "cilium-sync-secret-<sha256>" (Cilium's pkg/secretsync/names, from 1.19.6).
func SyncedSecretName(v versions.Cilium, ns, name string) string {
	src := types.NamespacedName{Namespace: ns, Name: name}
	if versions.Affected(versions.LegacyCopyNames, v) {
		return syncnames.LegacySyncedSecretName(src)
	}
	return syncnames.SyncedSecretName(src)
}

// SDSSecretName is the name NPDS gives Envoy for the copy of ns/name in
// secretsNamespace: "<secretsNamespace>/<SyncedSecretName>".
func SDSSecretName(v versions.Cilium, secretsNamespace, ns, name string) string {
	return secretsNamespace + "/" + SyncedSecretName(v, ns, name)
}
