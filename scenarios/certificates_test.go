package scenarios

import (
	"context"
	"fmt"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/dynamic"

	"github.com/cilium-tls-intercept/sandbox/sandbox/resources"
)

// groupLabel is the label the chart puts on each group's Certificate (and
// its secret), valued with the group's name.
const groupLabel = "cilium-tls-intercept/group"

// groupCert is where a group's Certificate and its secret live.
type groupCert struct {
	namespace, name, secretName string
}

func (g groupCert) String() string { return g.namespace + "/" + g.name }

// secret returns namespace/secretName.
func (g groupCert) secret() string { return g.namespace + "/" + g.secretName }

// findGroupCert finds a group's Certificate by its label in every namespace.
// The chart writes it where the Cilium release reads it from: with secret
// sync (1.17+) next to the CA (cert-manager), else in cilium-secrets; so
// the cluster, not the suite's --cilium-version, says where it is.
func findGroupCert(ctx context.Context, dyn dynamic.Interface, group string) (groupCert, error) {
	sel := groupLabel + "=" + group
	list, err := dyn.Resource(resources.Certificates()).List(ctx, metav1.ListOptions{LabelSelector: sel})
	if err != nil {
		return groupCert{}, fmt.Errorf("list certificates %s: %w", sel, err)
	}
	return groupCertOf(list.Items, sel)
}

// groupCertOf picks the one Certificate of a list; none or several is an
// error naming what was found.
func groupCertOf(items []unstructured.Unstructured, sel string) (groupCert, error) {
	if len(items) != 1 {
		var names []string
		for _, c := range items {
			names = append(names, c.GetNamespace()+"/"+c.GetName())
		}
		return groupCert{}, fmt.Errorf("want one certificate labelled %s, found %d %v (is the chart installed?)", sel, len(items), names)
	}
	c := items[0]
	secret, _, _ := unstructured.NestedString(c.Object, "spec", "secretName")
	if strings.TrimSpace(secret) == "" {
		return groupCert{}, fmt.Errorf("certificate %s/%s has no spec.secretName", c.GetNamespace(), c.GetName())
	}
	return groupCert{namespace: c.GetNamespace(), name: c.GetName(), secretName: secret}, nil
}
