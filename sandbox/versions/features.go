package versions

// ServerNameWildcards says which wildcards a release accepts in a policy's
// serverNames (rows K4 and K18 of the table of known bugs).
type ServerNameWildcards string

const (
	// ServerNameWildcardsNone: exact names only (before 1.18, K4).
	ServerNameWildcardsNone ServerNameWildcards = "none"
	// ServerNameWildcardsPrefix: only a leading "*." or "**." (1.18, 1.19: K18).
	ServerNameWildcardsPrefix ServerNameWildcards = "prefix"
	// ServerNameWildcardsAnywhere: "*" anywhere in the name (1.20 and later).
	ServerNameWildcardsAnywhere ServerNameWildcards = "anywhere"
)

// ServerNameWildcards returns the serverNames wildcard support of v.
func (v Cilium) ServerNameWildcards() ServerNameWildcards {
	switch {
	case Affected(ServerNamesExact, v):
		return ServerNameWildcardsNone
	case Affected(ServerNamesLeadingWildcard, v):
		return ServerNameWildcardsPrefix
	default:
		return ServerNameWildcardsAnywhere
	}
}

// DoubleStarPatterns reports whether toFQDNs matchPattern accepts "**."
// (any depth of labels): not while row K5 holds.
func (v Cilium) DoubleStarPatterns() bool { return !Affected(DoubleStarOneLabel, v) }

// ServerNamesEnforced reports whether the release's Envoy honours
// serverNames when it picks a TLS context: not while row K2 holds (1.16.2
// and 1.16.3 ship the cilium/proxy regression proxy#890, fixed by
// proxy#1004 in 1.16.4), in which, with several TLS contexts, the one
// matching the SNI is not picked and a rule without one no longer falls
// back to a raw socket.
func (v Cilium) ServerNamesEnforced() bool { return !Affected(SNIWrapperRegression, v) }
