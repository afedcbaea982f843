//go:build linux

package agent

import (
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/cilium/cilium/pkg/fqdn/dns"
	"github.com/cilium/cilium/pkg/identity"
	k8sutils "github.com/cilium/cilium/pkg/k8s/utils"
	"github.com/cilium/cilium/pkg/labels"
	"github.com/cilium/cilium/pkg/policy/api"
)

// Stand-in identity numbers. The agent's allocator hands out cluster
// identities from 256 and local ones (FQDN, CIDR) with the local scope bit;
// these numbers are picked here, not allocated.
const (
	WorkloadIdentity = identity.NumericIdentity(10001)
	KubeDNSIdentity  = identity.NumericIdentity(10002)
	// firstFQDNIdentity is the first stand-in for a toFQDNs selector.
	firstFQDNIdentity = identity.IdentityScopeLocal + 1
)

// Pod is what the agent derives an endpoint's identity from.
type Pod struct {
	// Labels are the pod's labels.
	Labels map[string]string
	// Namespace is the pod's namespace object (its labels count too).
	Namespace *corev1.Namespace
	// ServiceAccount is the pod's service account.
	ServiceAccount string
}

// PodIdentity returns identity id for a pod with Cilium's identity labels:
// the pod's labels with the namespace, namespace labels, service account
// and cluster added as the agent adds them (pkg/k8s/utils.SanitizePodLabels),
// all from source k8s. The agent also filters identity-relevant labels
// (pkg/labelsfilter), which needs process-wide set-up; no policy here
// selects on a label it would drop.
func PodIdentity(id identity.NumericIdentity, p Pod, clusterName string) *identity.Identity {
	lbls := k8sutils.SanitizePodLabels(p.Labels, p.Namespace, p.ServiceAccount, clusterName)
	return identity.NewIdentity(id, labels.Map2Labels(lbls, labels.LabelSourceK8s))
}

// FQDNIdentity is a stand-in for the identity of the addresses Cilium's DNS
// proxy learns for the names a toFQDNs selector selects.
type FQDNIdentity struct {
	Selector api.FQDNSelector
	Identity *identity.Identity
}

// FQDNIdentities returns one stand-in identity per distinct selector, with
// the labels Cilium's name manager preallocates for a selector's prefixes
// (pkg/fqdn/namemanager labelsForSelector, unexported: reserved:world and
// the selector's fqdn: label), in the order given.
func FQDNIdentities(selectors []api.FQDNSelector) []FQDNIdentity {
	var out []FQDNIdentity
	seen := map[string]bool{}
	for _, sel := range selectors {
		if seen[sel.String()] {
			continue
		}
		seen[sel.String()] = true
		lbls := labels.NewFrom(labels.LabelWorld)
		l := sel.IdentityLabel()
		lbls[l.Key] = l
		id := firstFQDNIdentity + identity.NumericIdentity(len(out))
		out = append(out, FQDNIdentity{Selector: sel, Identity: identity.NewIdentity(id, lbls)})
	}
	return out
}

// Selects reports whether the selector selects host, matching it as the DNS
// proxy matches a response's name (api.FQDNSelector.ToRegex on the
// fully-qualified name).
func (f FQDNIdentity) Selects(host string) (bool, error) {
	re, err := f.Selector.ToRegex()
	if err != nil {
		return false, fmt.Errorf("selector %s: %w", f.Selector.String(), err)
	}
	return re.MatchString(dns.FQDN(strings.ToLower(host))), nil
}

// IdentitiesOf returns the numbers of the stand-in identities that select
// host: those its address would carry once the DNS proxy learnt it.
func IdentitiesOf(fqdn []FQDNIdentity, host string) ([]identity.NumericIdentity, error) {
	var out []identity.NumericIdentity
	for _, f := range fqdn {
		ok, err := f.Selects(host)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, f.Identity.ID)
		}
	}
	slices.Sort(out)
	return out, nil
}
