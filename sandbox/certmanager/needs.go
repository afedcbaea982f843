package certmanager

import (
	"context"
	"fmt"
	"strings"

	authorizationv1 "k8s.io/api/authorization/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
)

// Need is one thing the interception chart needs of a cert-manager or
// trust-manager it did not install.
type Need struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	Met   bool   `json:"met"`
	// Assumed: it could not be read (no controller Deployment to read the
	// flags of) and is taken as met; install proves it once the chart's
	// objects exist.
	Assumed bool   `json:"assumed,omitempty"`
	Found   string `json:"found"`
	Why     string `json:"why,omitempty"`
	Fix     string `json:"fix,omitempty"`
}

// NameConstraintsDefaultSince is the cert-manager release whose controller
// and webhook turn the NameConstraints feature gate on by default: Alpha in
// v1.14, Beta (on) from v1.17 (internal/controller/feature/features.go and
// internal/webhook/feature/features.go of cert-manager).
const NameConstraintsDefaultSince = "v1.17.0"

// ClusterResourceNamespace is where a found cert-manager's ClusterIssuers
// read their secrets: --cluster-resource-namespace, which its chart sets to
// the Deployment's namespace; cert-manager's own default is kube-system.
func (f *Found) ClusterResourceNamespace() string {
	if v, ok := f.Flag("cluster-resource-namespace"); ok && v != "$(POD_NAMESPACE)" {
		return v
	} else if ok {
		return f.Namespace
	}
	if f.Deployment == "" {
		return Namespace
	}
	return "kube-system"
}

// TrustNamespace is where a found trust-manager reads Bundle sources
// (--trust-namespace, default cert-manager).
func (f *Found) TrustNamespace() string {
	if v, ok := f.Flag("trust-namespace"); ok {
		return v
	}
	return Namespace
}

// CertManagerNeeds checks a cert-manager found in the cluster for what the
// chart needs: its API, and, when the CA is name-constrained, the
// NameConstraints feature gate on the controller (which encodes the
// constraints into the CA) and the webhook (which otherwise rejects
// spec.nameConstraints as forbidden).
func CertManagerNeeds(ctx context.Context, f *Found, dyn dynamic.Interface, nameConstraints bool) []Need {
	api := Need{ID: "cert-manager-api", Title: "cert-manager's API", Met: f.APIServed,
		Found: fmt.Sprintf("%s %s served: %t", CertManager.GroupVersion, CertManager.Resource, f.APIServed)}
	if !api.Met {
		api.Why = fmt.Sprintf("%s runs but its CRDs are missing", f.Deployment)
		api.Fix = f.HelmUpgrade("crds.enabled=true")
		return []Need{api}
	}
	if !nameConstraints {
		return []Need{api}
	}
	return []Need{api, controllerGate(f), webhookGate(ctx, f, dyn)}
}

func controllerGate(f *Found) Need {
	n := Need{ID: "name-constraints-controller", Title: "the NameConstraints gate on cert-manager's controller", Met: true}
	if f.Deployment == "" {
		n.Assumed = true
		n.Found = fmt.Sprintf("no Deployment labelled %s: its flags cannot be read", CertManager.Selector)
		n.Why = "assumed on; install checks that the issued CA carries its name constraints"
		return n
	}
	on, set := f.FeatureGate("NameConstraints")
	switch {
	case set:
		n.Met = on
		n.Found = fmt.Sprintf("%s: --feature-gates has NameConstraints=%t", f.Deployment, on)
	default:
		n.Met = f.AtLeast(NameConstraintsDefaultSince)
		n.Found = fmt.Sprintf("%s: image %s, no NameConstraints in --feature-gates (on by default since %s)", f.Deployment, f.Image, NameConstraintsDefaultSince)
	}
	if !n.Met {
		n.Why = "the controller issues the CA without its name constraints: it could sign for any name"
		n.Fix = nameConstraintsFix(f)
	}
	return n
}

func nameConstraintsFix(f *Found) string {
	return f.HelmUpgrade("featureGates=NameConstraints=true", "webhook.featureGates=NameConstraints=true") +
		" (keep any other gates in those lists), or install with --set ca.nameConstraints.enabled=false"
}

// webhookGate makes the API server admit, in dry run, a name-constrained CA
// Certificate: cert-manager's webhook forbids spec.nameConstraints without
// the gate ("feature gate NameConstraints must be enabled").
func webhookGate(ctx context.Context, f *Found, dyn dynamic.Interface) Need {
	n := Need{ID: "name-constraints-webhook", Title: "cert-manager's webhook admits name constraints", Met: true}
	probe := CertificateProbe()
	_ = unstructured.SetNestedField(probe.Object, true, "spec", "isCA")
	_ = unstructured.SetNestedField(probe.Object, map[string]any{"permitted": map[string]any{"dnsDomains": []any{"sandbox.invalid"}}}, "spec", "nameConstraints")
	_ = unstructured.SetNestedField(probe.Object, "default", "metadata", "namespace")
	_, err := dyn.Resource(probeResource(probe)).Namespace("default").Create(ctx, probe, metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
	if err == nil {
		n.Found = "a dry-run create of a name-constrained CA Certificate is admitted"
		return n
	}
	n.Met, n.Found = false, "a dry-run create of a name-constrained CA Certificate is rejected: "+err.Error()
	if strings.Contains(err.Error(), "NameConstraints") {
		n.Why = "the webhook would reject the chart's CA Certificate"
		n.Fix = nameConstraintsFix(f)
	} else {
		n.Why = "cert-manager's webhook does not admit Certificates"
		n.Fix = fmt.Sprintf("check cert-manager's webhook (kubectl -n %s get pods)", f.Namespace)
	}
	return n
}

// TrustInput is what the chart needs of trust-manager.
type TrustInput struct {
	// CANamespace is the chart's ca.namespace, which trust-manager must
	// read Bundle sources from.
	CANamespace string
	// Secret is the upstream trust Secret ("namespace/name") a Bundle
	// writes, "" when the chart uses an existing secret instead.
	Secret string
}

// TrustManagerNeeds checks a trust-manager found in the cluster for what the
// chart needs: its API; its trust namespace equal to ca.namespace; and, when
// a Bundle writes the upstream trust Secret, secret targets on and the right
// to write that Secret (asked of the API server for trust-manager's service
// account, as its chart's authorizedSecrets grant it).
func TrustManagerNeeds(ctx context.Context, kube kubernetes.Interface, f *Found, in TrustInput) []Need {
	api := Need{ID: "trust-manager-api", Title: "trust-manager's API", Met: f.APIServed,
		Found: fmt.Sprintf("%s %s served: %t", TrustManager.GroupVersion, TrustManager.Resource, f.APIServed)}
	if !api.Met {
		api.Why, api.Fix = fmt.Sprintf("%s runs but its CRDs are missing", f.Deployment), f.HelmUpgrade("crds.enabled=true")
		return []Need{api}
	}
	if f.Deployment == "" {
		return []Need{api, {ID: "trust-manager-config", Title: "trust-manager's trust namespace and secret targets", Met: true, Assumed: true,
			Found: fmt.Sprintf("no Deployment labelled %s: its flags cannot be read", TrustManager.Selector),
			Why:   "assumed to read " + in.CANamespace + " and to write " + orNone(in.Secret) + "; install checks the Bundles sync"}}
	}
	out := []Need{api, trustNamespace(f, in.CANamespace)}
	if in.Secret != "" {
		out = append(out, secretTargets(ctx, kube, f, in.Secret))
	}
	return out
}

func trustNamespace(f *Found, caNamespace string) Need {
	n := Need{ID: "trust-namespace", Title: "trust-manager's trust namespace", Met: f.TrustNamespace() == caNamespace,
		Found: fmt.Sprintf("%s: --trust-namespace=%s", f.Deployment, f.TrustNamespace())}
	if !n.Met {
		n.Why = fmt.Sprintf("the Bundles read the CA from %s, which trust-manager does not read", caNamespace)
		n.Fix = f.HelmUpgrade("app.trust.namespace=" + caNamespace)
	}
	return n
}

func secretTargets(ctx context.Context, kube kubernetes.Interface, f *Found, secret string) Need {
	ns, name, _ := strings.Cut(secret, "/")
	n := Need{ID: "secret-targets", Title: "trust-manager may write " + secret}
	fix := f.HelmUpgrade("secretTargets.enabled=true", "secretTargets.authorizedSecrets={"+name+"}") + " (keep the secrets already listed)"
	if on, _ := f.Flag("secret-targets-enabled"); on != "true" {
		n.Found = f.Deployment + ": no --secret-targets-enabled=true"
		n.Why, n.Fix = "trust-manager writes Bundles only to ConfigMaps, and the policies' upstream trust is a Secret", fix
		return n
	}
	user := fmt.Sprintf("system:serviceaccount:%s:%s", f.Namespace, f.ServiceAccount)
	sar := &authorizationv1.SubjectAccessReview{Spec: authorizationv1.SubjectAccessReviewSpec{User: user,
		ResourceAttributes: &authorizationv1.ResourceAttributes{Namespace: ns, Verb: "patch", Resource: "secrets", Name: name}}}
	got, err := kube.AuthorizationV1().SubjectAccessReviews().Create(ctx, sar, metav1.CreateOptions{})
	if err != nil {
		n.Found = "the API server did not answer whether " + user + " may patch " + secret + ": " + err.Error()
		n.Why, n.Fix = "trust-manager's right to write the upstream trust cannot be checked", fix
		return n
	}
	n.Met = got.Status.Allowed
	n.Found = fmt.Sprintf("%s may patch secret %s: %t", user, secret, n.Met)
	if !n.Met {
		n.Why, n.Fix = "trust-manager cannot write the upstream trust the policies' originatingTLS reads", fix
	}
	return n
}

func orNone(s string) string {
	if s == "" {
		return "no Secret"
	}
	return s
}
