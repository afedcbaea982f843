// Package resources names the API resources of Cilium, cert-manager and
// trust-manager that the sandbox lists, reads and deletes through dynamic
// clients, taking groups, versions and plural names from those projects' own
// API packages where they export them, so they are written once.
package resources

import (
	cmapi "github.com/cert-manager/cert-manager/pkg/apis/certmanager/v1"
	ciliumv2 "github.com/cilium/cilium/pkg/k8s/apis/cilium.io/v2"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// CiliumNetworkPolicies is cilium.io/v2 ciliumnetworkpolicies.
func CiliumNetworkPolicies() schema.GroupVersionResource {
	return ciliumv2.SchemeGroupVersion.WithResource(ciliumv2.CNPPluralName)
}

// CiliumClusterwideNetworkPolicies is cilium.io/v2 ciliumclusterwidenetworkpolicies.
func CiliumClusterwideNetworkPolicies() schema.GroupVersionResource {
	return ciliumv2.SchemeGroupVersion.WithResource(ciliumv2.CCNPPluralName)
}

// CiliumEndpoints is cilium.io/v2 ciliumendpoints.
func CiliumEndpoints() schema.GroupVersionResource {
	return ciliumv2.SchemeGroupVersion.WithResource(ciliumv2.CEPPluralName)
}

// Certificates is cert-manager.io/v1 certificates.
func Certificates() schema.GroupVersionResource {
	return cmapi.SchemeGroupVersion.WithResource("certificates")
}

// CertificateRequests is cert-manager.io/v1 certificaterequests.
func CertificateRequests() schema.GroupVersionResource {
	return cmapi.SchemeGroupVersion.WithResource("certificaterequests")
}

// ClusterIssuers is cert-manager.io/v1 clusterissuers.
func ClusterIssuers() schema.GroupVersionResource {
	return cmapi.SchemeGroupVersion.WithResource("clusterissuers")
}

// Bundles is trust.cert-manager.io/v1alpha1 bundles (written here rather
// than taken from trust-manager's API package, which the sandbox binary does
// not otherwise need).
func Bundles() schema.GroupVersionResource {
	return schema.GroupVersionResource{Group: "trust.cert-manager.io", Version: "v1alpha1", Resource: "bundles"}
}

// CustomResourceDefinitions is apiextensions.k8s.io/v1 customresourcedefinitions.
func CustomResourceDefinitions() schema.GroupVersionResource {
	return apiextensionsv1.SchemeGroupVersion.WithResource("customresourcedefinitions")
}
