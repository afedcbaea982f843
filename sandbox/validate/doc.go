// Package validate proves rendered objects right by construction, offline:
// every CiliumNetworkPolicy and CiliumClusterwideNetworkPolicy goes through
// Cilium's own parse path (CiliumNetworkPolicy.Parse, which runs
// api.Rule.Sanitize); every object of a known CRD is checked against the
// CRD's OpenAPI schema, pruning and CEL rules as the API server would; and
// the objects are checked against each other (a policy's TLS secrets are made
// by a Certificate, Bundle or Secret with the keys the context needs and SANs
// that cover the policy's names; the policies select the workload's pods and
// let it resolve names; certificates name issuers that exist and respect the
// CA's name constraints) and against what the target Cilium release accepts.
//
// Objects returns Problems, each naming the object, the check and the bad
// field or value, with the fix; an empty result means every check passed.
// With Options.OpenWorld the objects are taken as part of a cluster (a
// user's manifests, as sandbox lint reads them): what they refer to but do
// not hold (a Secret made elsewhere, an issuer, the pods) is an Assumption,
// not a failure. A Validator
// keeps the compiled CRD schemas between calls; ParseManifest reads a
// manifest stream (helm template, kubectl get -o yaml) into objects.
//
// The schemas are those of the pinned modules (Cilium 1.20.2, cert-manager
// and trust-manager of sandbox/versions); what older Cilium releases reject
// beyond them (serverNames wildcards, "**." patterns, the secrets namespace
// and keys of 1.17+ secret sync) is checked by release.
package validate
