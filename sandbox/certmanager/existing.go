package certmanager

import (
	"context"
	"fmt"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/version"
	"k8s.io/client-go/kubernetes"

	"github.com/cilium-tls-intercept/sandbox/sandbox/versions"
)

// Component is cert-manager or trust-manager: how to recognise it in a
// cluster it was installed into by someone else.
type Component struct {
	// Name is the component's and its default Helm release's name.
	Name string
	// GroupVersion and Resource are the API its CRDs serve.
	GroupVersion, Resource string
	// Selector picks its controller Deployment, as its chart labels it.
	Selector string
}

// The two components, as their charts (v1.21.2, v0.24.0) label their
// controllers' Deployments (deploy/charts/*/templates/deployment.yaml).
var (
	CertManager  = Component{Name: CertManagerRelease, GroupVersion: "cert-manager.io/v1", Resource: "certificates", Selector: "app.kubernetes.io/name=cert-manager,app.kubernetes.io/component=controller"}
	TrustManager = Component{Name: TrustManagerRelease, GroupVersion: "trust.cert-manager.io/v1alpha1", Resource: "bundles", Selector: "app.kubernetes.io/name=trust-manager"}
)

// Found is what a cluster has of a component.
type Found struct {
	Component Component `json:"-"`
	// APIServed tells whether its CRDs' API is served.
	APIServed bool `json:"apiServed"`
	// Deployment is the controller Deployment ("namespace/name"), "" when
	// none is labelled as the chart labels it (it may run outside the
	// cluster, as in a hermetic control plane).
	Deployment string `json:"deployment,omitempty"`
	// Namespace is the Deployment's namespace.
	Namespace string `json:"namespace,omitempty"`
	// Image and Version are its controller's image and the image's tag.
	Image   string `json:"image,omitempty"`
	Version string `json:"version,omitempty"`
	// HelmRelease is the Helm release the Deployment belongs to, if any.
	HelmRelease string `json:"helmRelease,omitempty"`
	// ServiceAccount is the Deployment's pods' service account.
	ServiceAccount string `json:"serviceAccount,omitempty"`
	args           []string
}

// Present reports whether the component is there in any form.
func (f *Found) Present() bool { return f.APIServed || f.Deployment != "" }

// Find looks for c in a cluster: its API in discovery and its controller
// Deployment in any namespace.
func Find(ctx context.Context, kube kubernetes.Interface, c Component) (*Found, error) {
	f := &Found{Component: c}
	res, err := kube.Discovery().ServerResourcesForGroupVersion(c.GroupVersion)
	if err == nil {
		for _, r := range res.APIResources {
			f.APIServed = f.APIServed || r.Name == c.Resource
		}
	}
	list, err := kube.AppsV1().Deployments("").List(ctx, metav1.ListOptions{LabelSelector: c.Selector})
	if err != nil {
		return nil, fmt.Errorf("look for %s: list deployments %s: %w", c.Name, c.Selector, err)
	}
	if len(list.Items) > 0 {
		f.fromDeployment(&list.Items[0])
	}
	return f, nil
}

func (f *Found) fromDeployment(d *appsv1.Deployment) {
	f.Deployment, f.Namespace = d.Namespace+"/"+d.Name, d.Namespace
	f.HelmRelease = d.Annotations["meta.helm.sh/release-name"]
	spec := d.Spec.Template.Spec
	f.ServiceAccount = spec.ServiceAccountName
	if f.ServiceAccount == "" {
		f.ServiceAccount = "default"
	}
	if len(spec.Containers) > 0 {
		f.Image = spec.Containers[0].Image
		f.Version = versions.ImageTag(f.Image)
		f.args = append(append([]string{}, spec.Containers[0].Command...), spec.Containers[0].Args...)
	}
}

// Flag returns the value of a --name=value (or --name value) argument of
// the controller, and whether it is given.
func (f *Found) Flag(name string) (string, bool) {
	for i, a := range f.args {
		if v, ok := strings.CutPrefix(a, "--"+name+"="); ok {
			return v, true
		}
		if a == "--"+name && i+1 < len(f.args) {
			return f.args[i+1], true
		}
	}
	return "", false
}

// FeatureGate returns a gate's setting in --feature-gates ("A=true,B=false").
func (f *Found) FeatureGate(gate string) (on, set bool) {
	gates, _ := f.Flag("feature-gates")
	for _, kv := range strings.Split(gates, ",") {
		if k, v, ok := strings.Cut(strings.TrimSpace(kv), "="); ok && k == gate {
			return strings.EqualFold(v, "true"), true
		}
	}
	return false, false
}

// AtLeast reports whether the controller's image tag is version min or
// newer; false when the tag is not a version.
func (f *Found) AtLeast(min string) bool {
	v, err := version.ParseSemantic(f.Version)
	return err == nil && v.AtLeast(version.MustParseSemantic(min))
}

// HelmUpgrade is the helm command setting values on the found release.
func (f *Found) HelmUpgrade(sets ...string) string {
	name := f.HelmRelease
	if name == "" {
		name = f.Component.Name
	}
	var b strings.Builder
	fmt.Fprintf(&b, "helm upgrade %s jetstack/%s", name, f.Component.Name)
	if f.Version != "" {
		b.WriteString(" --version " + f.Version)
	}
	ns := f.Namespace
	if ns == "" {
		ns = Namespace
	}
	fmt.Fprintf(&b, " -n %s --reuse-values", ns)
	for _, s := range sets {
		b.WriteString(" --set " + s)
	}
	return b.String()
}
