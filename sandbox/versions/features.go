package versions

// ServerNameWildcards says which wildcards a release accepts in a policy's
// serverNames (cilium/cilium#43674).
type ServerNameWildcards string

const (
	// ServerNameWildcardsNone: exact names only (1.16, 1.17).
	ServerNameWildcardsNone ServerNameWildcards = "none"
	// ServerNameWildcardsPrefix: only a leading "*." or "**." (1.18, 1.19).
	ServerNameWildcardsPrefix ServerNameWildcards = "prefix"
	// ServerNameWildcardsAnywhere: "*" anywhere in the name (1.20 and later).
	ServerNameWildcardsAnywhere ServerNameWildcards = "anywhere"
)

// ServerNameWildcards returns the serverNames wildcard support of v.
func (v Cilium) ServerNameWildcards() ServerNameWildcards {
	switch {
	case v.AtLeast(20):
		return ServerNameWildcardsAnywhere
	case v.AtLeast(18):
		return ServerNameWildcardsPrefix
	default:
		return ServerNameWildcardsNone
	}
}

// DoubleStarPatterns reports whether toFQDNs matchPattern accepts "**."
// (any depth of labels), added in 1.19 (cilium/cilium#43420).
func (v Cilium) DoubleStarPatterns() bool { return v.AtLeast(19) }

// ServerNamesEnforced reports whether the release's Envoy honours
// serverNames when it picks a TLS context: 1.16.2 and 1.16.3 ship the
// cilium/proxy regression (proxy#890, fixed by proxy#1004 in 1.16.4) in
// which, with several TLS contexts, the one matching the SNI is not picked
// and a rule without one no longer falls back to a raw socket.
func (v Cilium) ServerNamesEnforced() bool {
	return !(v.Major == 1 && v.Minor == 16 && (v.Patch == 2 || v.Patch == 3))
}
