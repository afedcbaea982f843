package validate

import (
	"errors"
	"fmt"
	"sort"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/cilium-tls-intercept/sandbox/sandbox/ciliumtls"
	"github.com/cilium-tls-intercept/sandbox/sandbox/dnsanswer"
	"github.com/cilium-tls-intercept/sandbox/sandbox/versions"
)

// Checks, the Check field of a Problem.
const (
	// CheckDecode: the object could not be decoded into its Go type.
	CheckDecode = "decode"
	// CheckCiliumSanitize: Cilium's CiliumNetworkPolicy.Parse rejected the policy.
	CheckCiliumSanitize = "cilium-sanitize"
	// CheckSchema: the CRD's OpenAPI schema (or object metadata rules) rejected the object.
	CheckSchema = "crd-schema"
	// CheckUnknownField: the object sets a field the CRD's schema does not know;
	// the API server drops it silently.
	CheckUnknownField = "crd-unknown-field"
	// CheckCEL: one of the CRD's x-kubernetes-validations rules failed.
	CheckCEL = "crd-cel"
	// CheckServerNames: serverNames use a wildcard the Cilium release rejects.
	CheckServerNames = "server-names-version"
	// CheckMatchPattern: a matchPattern uses "**." before Cilium 1.19.
	CheckMatchPattern = "match-pattern-version"
	// CheckSecretsNamespace: a TLS secret lies where Cilium 1.17+ cannot use
	// it: inside the secrets namespace with secret sync (the operator copies
	// secrets only from other namespaces), outside it without sync.
	CheckSecretsNamespace = "secrets-namespace"
	// CheckSecretSource: no object (or more than one) makes a secret a policy names.
	CheckSecretSource = "tls-secret-source"
	// CheckSecretKeys: the secret lacks a key its TLS context needs, or has
	// keys it must not have.
	CheckSecretKeys = "tls-secret-keys"
	// CheckSANCoverage: the terminating certificate has no SAN for a name the rule intercepts.
	CheckSANCoverage = "san-coverage"
	// CheckHTTPVisibility: a rule with TLS contexts has no rules.http, so
	// Envoy does not parse HTTP and nothing is visible or enforceable.
	CheckHTTPVisibility = "http-visibility"
	// CheckEndpointSelector: a policy selects none of the workload pods.
	CheckEndpointSelector = "endpoint-selector"
	// CheckDNSRule: pods with toFQDNs rules have no DNS rule that lets the
	// DNS proxy see their lookups.
	CheckDNSRule = "dns-rule"
	// CheckIssuerRef: a Certificate names an issuer that is not in the objects.
	CheckIssuerRef = "issuer-ref"
	// CheckIssuerSecret: a CA issuer's secret is made in another namespace than it reads.
	CheckIssuerSecret = "issuer-secret"
	// CheckNameConstraints: a leaf SAN is outside the signing CA's name constraints.
	CheckNameConstraints = "name-constraints"
	// CheckSharedAddress: names of different intercept groups, or an
	// intercepted and another name, resolve to one address, whose one
	// identity makes Envoy serve some of them the wrong certificate or apply
	// another group's HTTP rules.
	CheckSharedAddress = "shared-address"
)

// DefaultClusterResourceNamespace is where cert-manager looks for the secrets
// of ClusterIssuers unless told otherwise.
const DefaultClusterResourceNamespace = "cert-manager"

// ErrNoCiliumVersion is returned when Options.Cilium is not set.
var ErrNoCiliumVersion = errors.New("validate: Options.Cilium is not set")

// Options says what the objects are validated for.
type Options struct {
	// Cilium is the release the policies must work on (required).
	Cilium versions.Cilium
	// SecretsNamespace is where Cilium 1.17+ reads policy secrets;
	// ciliumtls.SecretsNamespace when empty.
	SecretsNamespace string
	// WithoutSecretSync says Cilium 1.17+ runs read-only without secret
	// sync (tls.secretSync.enabled=false): policy secrets must then be in
	// SecretsNamespace. The zero value is Cilium's default for new installs,
	// and the sandbox's: sync on, so they must be anywhere else.
	WithoutSecretSync bool
	// ClusterResourceNamespace is where cert-manager reads ClusterIssuer
	// secrets; DefaultClusterResourceNamespace when empty.
	ClusterResourceNamespace string
	// DefaultNamespace is the namespace of namespaced objects that name none
	// (the Helm release namespace); "default" when empty.
	DefaultNamespace string
	// ExternalIssuers are issuers that exist outside the objects, as
	// "ClusterIssuer/<name>" or "Issuer/<namespace>/<name>".
	ExternalIssuers []string
	// ExternalSecrets are secrets that exist outside the objects (made by
	// the user), as "<namespace>/<name>" and the keys each holds.
	ExternalSecrets map[string][]string
	// OpenWorld says the objects are a part of a cluster (a user's
	// manifests): a secret, issuer, CA secret or pod they refer to but do
	// not hold is assumed to exist, a Problem of Severity Assumption.
	// Otherwise the objects must be complete (a chart's render): a secret
	// or issuer they do not make is a failure.
	OpenWorld bool
	// Answers are the DNS answers the policies' names get (sandbox lint
	// --resolve); nil assumes one distinct address per name, and the
	// shared-address check finds nothing.
	Answers dnsanswer.Answers
}

// Problem is one failed check.
type Problem struct {
	// Object is "<Kind> <namespace>/<name>", or "<Kind> <name>" when cluster scoped.
	Object string
	// Check is one of the Check constants.
	Check string
	// Message says what is wrong, naming the field and value.
	Message string
	// Fix says what to change.
	Fix string
	// Severity is how sure the check is; the zero value is a failure.
	Severity Severity
}

// Severity says how a Problem counts.
type Severity string

const (
	// Failure: what the objects say cannot work as written.
	Failure Severity = ""
	// Warning: it works, but not as it should (a CA cert-manager cannot renew).
	Warning Severity = "warn"
	// Assumption: the check needs an object the objects do not hold (a
	// Secret made elsewhere, pods in the cluster) and assumes it is right.
	Assumption Severity = "assume"
)

// String returns "Object: check: message".
func (p Problem) String() string { return fmt.Sprintf("%s: %s: %s", p.Object, p.Check, p.Message) }

// Objects validates objs for opts.Cilium with a new Validator. It returns
// the Problems found, sorted by object and check; an error only when it
// cannot validate at all.
func Objects(objs []*unstructured.Unstructured, opts Options) ([]Problem, error) {
	return NewValidator().Objects(objs, opts)
}

// Objects validates objs for opts.Cilium, as the package-level Objects does.
func (val *Validator) Objects(objs []*unstructured.Unstructured, opts Options) ([]Problem, error) {
	if opts.Cilium.Major == 0 {
		return nil, ErrNoCiliumVersion
	}
	opts = opts.withDefaults()
	var out []Problem
	for _, obj := range objs {
		ps, err := val.validateSchema(obj, opts.DefaultNamespace)
		if err != nil {
			return nil, err
		}
		out = append(out, ps...)
	}
	inv, problems := newInventory(objs, opts)
	out = append(out, problems...)
	out = append(out, inv.policyProblems(opts)...)
	out = append(out, inv.workloadProblems()...)
	out = append(out, inv.certificateProblems(opts)...)
	out = append(out, inv.knownBugProblems(objs, opts)...)
	out = append(out, inv.httpOnTLSProblems()...)
	shared, err := inv.sharedAddressProblems(opts)
	if err != nil {
		return nil, err
	}
	out = append(out, shared...)
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Object != out[j].Object {
			return out[i].Object < out[j].Object
		}
		return out[i].Check < out[j].Check
	})
	return out, nil
}

func (o Options) withDefaults() Options {
	if o.SecretsNamespace == "" {
		o.SecretsNamespace = ciliumtls.SecretsNamespace
	}
	if o.ClusterResourceNamespace == "" {
		o.ClusterResourceNamespace = DefaultClusterResourceNamespace
	}
	if o.DefaultNamespace == "" {
		o.DefaultNamespace = "default"
	}
	return o
}

// objectID names an object the way Problems do.
func objectID(kind, namespace, name string) string {
	if namespace == "" {
		return kind + " " + name
	}
	return kind + " " + namespace + "/" + name
}
