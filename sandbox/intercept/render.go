package intercept

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chartutil"

	"github.com/cilium-tls-intercept/sandbox"
	"github.com/cilium-tls-intercept/sandbox/sandbox/ciliumtls"
	"github.com/cilium-tls-intercept/sandbox/sandbox/release"
	"github.com/cilium-tls-intercept/sandbox/sandbox/versions"
)

// Defaults of a release of the chart.
const (
	// DefaultReleaseName is the Helm release name of the chart.
	DefaultReleaseName = "cilium-tls-intercept"
	// DefaultNamespace is the Helm release namespace. It holds only Helm's
	// release record: every object names its own namespace.
	DefaultNamespace = "intercept-system"
	// WorkloadNamespace and WorkloadLabel locate the test workload's pods
	// (app=intercept-workload) with the default values.
	WorkloadNamespace = "intercept-workload"
	// WorkloadLabel is the app label value of the test workload's pods.
	WorkloadLabel = "intercept-workload"
	// UpstreamTrustSecret is the default secret (key ca.crt) in the TLS
	// secrets namespace that originatingTLS validates upstreams with.
	UpstreamTrustSecret = "intercept-upstream-ca"
	// CAIssuer is the default name of the CA ClusterIssuer.
	CAIssuer = "intercept-ca"
	// CANamespace is the default ca.namespace, cert-manager's cluster
	// resource namespace.
	CANamespace = "cert-manager"
)

// TLSSecretsNamespace returns where the chart, with its default values,
// writes the TLS secrets the policies name for Cilium release v with secret
// sync as the sandbox installs it. On 1.17+ that is CANamespace: Cilium's
// operator copies policy secrets into the secrets namespace
// (ciliumtls.SecretsNamespace) from other namespaces only
// (ciliumtls.OperatorCopies), and does not watch secrets already there, so a
// certificate issued after its policy would never reach Envoy (and a renewal
// late: ciliumtls.UnwatchedRenewal). The agent of 1.16 reads them in
// ciliumtls.SecretsNamespace.
func TLSSecretsNamespace(v versions.Cilium) string {
	if ciliumtls.ModeOf(v) == ciliumtls.ModeNamespaceSync {
		return CANamespace
	}
	return ciliumtls.SecretsNamespace
}

// ErrInvalidValues marks a render that failed because of the values given:
// a values file that cannot be read or parsed, a malformed --set, a value
// the schema rejects or a combination the templates reject.
var ErrInvalidValues = errors.New("invalid values")

// RenderOptions say what to render.
type RenderOptions struct {
	// Cilium sets cilium.version (after every other source) when not zero;
	// values that give another cilium.version are then refused, so that
	// neither silently overrides the other. Otherwise the values' cilium.version is parsed with
	// versions.ParseCilium, and DefaultCilium is used when they have none.
	// Either way the chart receives the release normalised ("1.18.10").
	Cilium versions.Cilium
	// ValuesFiles are values files, merged in order (helm -f).
	ValuesFiles []string
	// Set are helm --set expressions, applied after the files.
	Set []string
	// Values are merged last, over the files and Set.
	Values map[string]any
	// ReleaseName and Namespace default to DefaultReleaseName and DefaultNamespace.
	ReleaseName, Namespace string
	// KubeVersion is the cluster version rendered for; empty means the
	// Kubernetes version of the kind node image paired with the Cilium release.
	KubeVersion string
}

// SecretName returns the name of the terminatingTLS secret of a group, in
// the TLS secrets namespace (TLSSecretsNamespace).
func SecretName(group string) string { return "intercept-" + group + "-tls" }

// CertificateName returns the name of a group's Certificate, in the TLS
// secrets namespace (TLSSecretsNamespace).
func CertificateName(group string) string { return "intercept-" + group }

// PolicyName returns the name of a group's CiliumNetworkPolicy, in the
// workload namespace.
func PolicyName(group string) string { return "intercept-tls-" + group }

// DNSPolicyName is the CiliumNetworkPolicy allowing DNS to kube-dns through
// Cilium's DNS proxy.
const DNSPolicyName = "intercept-dns"

// Render renders the chart with the merged values, exactly as
// `helm template` would. Invalid values fail before rendering completes with
// an error wrapping ErrInvalidValues that names the bad value.
func Render(ctx context.Context, opts RenderOptions) (*release.Rendered, error) {
	vals, v, kube, err := prepare(opts)
	if err != nil {
		return nil, err
	}
	c, err := Chart()
	if err != nil {
		return nil, err
	}
	out, err := release.Render(ctx, release.RenderInput{
		Chart:       c,
		ReleaseName: cmp.Or(opts.ReleaseName, DefaultReleaseName),
		Namespace:   cmp.Or(opts.Namespace, DefaultNamespace),
		Values:      vals,
		KubeVersion: kube,
		APIVersions: []string{"cilium.io/v2", "cert-manager.io/v1", "trust.cert-manager.io/v1alpha1"},
	})
	if err != nil {
		if isSchemaError(err) {
			if words := explainSchema(c, vals); words != "" {
				return nil, fmt.Errorf("%w: %s", ErrInvalidValues, words)
			}
		}
		return nil, fmt.Errorf("%w: %s", ErrInvalidValues, cleanHelmError(err))
	}
	if err := checkPolicies(out, vals, v); err != nil {
		return nil, err
	}
	return out, nil
}

// prepare merges the values of opts with the Cilium release v normalised
// into them, and returns the Kubernetes version to render for:
// opts.KubeVersion, which must be a version, or that of the node image
// paired with the release.
func prepare(opts RenderOptions) (vals map[string]any, v versions.Cilium, kube string, err error) {
	if vals, err = MergeValues(opts); err != nil {
		return nil, v, "", err
	}
	if v, err = ciliumOf(vals); err != nil {
		return nil, v, "", err
	}
	if opts.KubeVersion == "" {
		return vals, v, versions.NodeImageFor(v).Kubernetes, nil
	}
	if _, err := chartutil.ParseKubeVersion(opts.KubeVersion); err != nil {
		return nil, v, "", fmt.Errorf("kube version %q is not a Kubernetes version (v1.36.4 or 1.36): %w", opts.KubeVersion, err)
	}
	return vals, v, opts.KubeVersion, nil
}

// isSchemaError tells whether Helm refused the values by values.schema.json.
func isSchemaError(err error) bool {
	return strings.Contains(err.Error(), "don't meet the specifications of the schema")
}

// Chart loads the embedded cilium-tls-intercept chart.
func Chart() (*chart.Chart, error) {
	c, err := release.LoadChartFS(sandbox.InterceptChart())
	if err != nil {
		return nil, fmt.Errorf("load embedded chart: %w", err)
	}
	return c, nil
}

// ciliumOf parses the merged cilium.version with versions.ParseCilium (the
// release opts.Cilium set, or one a values file or --set gave) and writes it
// back normalised ("1.18" becomes "1.18.10"), so the chart receives a
// parsed release and its own check stays a guard for helm install by hand.
func ciliumOf(vals map[string]any) (versions.Cilium, error) {
	raw := versions.DefaultCilium
	c, _ := vals["cilium"].(map[string]any)
	if s, ok := c["version"]; ok {
		str, isString := s.(string)
		if !isString {
			return versions.Cilium{}, fmt.Errorf("%w: cilium.version %v is a %T, not a string: quote it in YAML, for example version: %q", ErrInvalidValues, s, s, versions.DefaultCilium)
		}
		raw = str
	}
	v, err := versions.ParseCilium(raw)
	if err != nil {
		return versions.Cilium{}, fmt.Errorf("%w: cilium.version: %w", ErrInvalidValues, err)
	}
	vals["cilium"] = mergeMaps(c, map[string]any{"version": v.String()})
	return v, nil
}

// failPrefix matches the location Helm puts before a template's fail message.
var failPrefix = regexp.MustCompile(`(?s)^render chart [^:]+: execution error at \([^)]*\): `)

// schemaViolation matches one violation in Helm's schema validation error.
var schemaViolation = regexp.MustCompile(`(?m)^- at '([^']*)': (.*)$`)

// cleanHelmError shortens Helm's errors to what names the bad value: a
// template's fail message without its location, or the schema violations
// as "values.schema.json: at /path: message"; any other error stays whole.
func cleanHelmError(err error) string {
	msg := err.Error()
	if isSchemaError(err) {
		var parts []string
		for _, m := range schemaViolation.FindAllStringSubmatch(msg, -1) {
			parts = append(parts, fmt.Sprintf("at /%s: %s", strings.TrimPrefix(m[1], "/"), m[2]))
		}
		if len(parts) > 0 {
			return "values.schema.json: " + strings.Join(parts, "; ")
		}
	}
	return failPrefix.ReplaceAllString(msg, "")
}
