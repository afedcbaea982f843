// Package scenario names the scenarios of the suite in ./scenarios: the one
// list both the suite (which labels each feature scenario=<ID>) and the
// version matrix (which selects, runs and tabulates them) use, so the two
// cannot drift apart.
package scenario

import "slices"

// The scenario IDs, each the value of a feature's Label. All lists them in
// the matrix table's column order.
const (
	Intercept        = "intercept"
	WildcardGroups   = "wildcard-groups"
	PassThrough      = "pass-through"
	L7Deny           = "l7-deny"
	HubbleVisibility = "hubble-visibility"
	Rotation         = "rotation"
	CACrtInSecret    = "ca-crt-in-secret"
	NegativeControl  = "negative-control"
	DefaultDeny      = "default-deny"
	// CredentialInjection: Envoy sets a header from a Secret on decrypted
	// requests, overwriting a forged one; a rotated Secret is sent next.
	CredentialInjection = "credential-injection"
)

// Label is the feature label key the scenarios are selected by.
const Label = "scenario"

// All returns every scenario ID in table column order.
func All() []string {
	return []string{Intercept, WildcardGroups, PassThrough, L7Deny, HubbleVisibility, Rotation, CACrtInSecret,
		NegativeControl, DefaultDeny, CredentialInjection}
}

// Known reports whether id is a scenario ID.
func Known(id string) bool { return slices.Contains(All(), id) }

// Order returns the column index of id; unknown IDs sort last.
func Order(id string) int {
	if i := slices.Index(All(), id); i >= 0 {
		return i
	}
	return len(All())
}
