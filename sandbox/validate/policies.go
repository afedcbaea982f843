package validate

import (
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// Policies runs on each CiliumNetworkPolicy and
// CiliumClusterwideNetworkPolicy of objs what a Cilium agent runs before it
// enforces any of a policy: Cilium's own Parse, which sanitizes every rule
// (CheckCiliumSanitize, or CheckDecode for a policy that does not decode),
// and the limits of release opts.Cilium that Cilium 1.20's code does not
// know (CheckServerNames, CheckMatchPattern). The API server accepts such a
// policy; the agent then refuses all of it. Other objects are left out:
// Objects checks them too.
func Policies(objs []*unstructured.Unstructured, opts Options) ([]Problem, error) {
	if opts.Cilium.Major == 0 {
		return nil, ErrNoCiliumVersion
	}
	opts = opts.withDefaults()
	var policies []*unstructured.Unstructured
	for _, obj := range objs {
		gvk := obj.GroupVersionKind()
		if gvk.Group == "cilium.io" && (gvk.Kind == "CiliumNetworkPolicy" || gvk.Kind == "CiliumClusterwideNetworkPolicy") {
			policies = append(policies, obj)
		}
	}
	inv, out := newInventory(policies, opts)
	for _, p := range inv.policies {
		out = append(out, versionProblems(p, opts.Cilium)...)
	}
	return out, nil
}
