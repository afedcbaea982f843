package dnsname

import "strings"

// Normalize lower-cases a DNS name and drops a trailing dot.
func Normalize(s string) string {
	return strings.TrimSuffix(strings.ToLower(strings.TrimSpace(s)), ".")
}

// SANCoversName reports whether a certificate dnsNames entry is valid for
// name as TLS clients check it: equal, or "*.rest" with name exactly one
// non-empty label followed by rest ("*.x" covers neither "x" nor "a.b.x").
func SANCoversName(san, name string) bool {
	san, name = Normalize(san), Normalize(name)
	if san == name {
		return true
	}
	rest, ok := strings.CutPrefix(san, "*.")
	if !ok {
		return false
	}
	label, tail, found := strings.Cut(name, ".")
	return found && label != "" && tail == rest
}

// SANCoversPattern reports whether a SAN is valid for every name a toFQDNs
// matchPattern matches. Cilium's "*" matches within one label, so a pattern
// is covered when it has the SAN's labels, a wildcard SAN's "*" standing for
// the pattern's first label. "**." patterns (any depth) and "*" are covered
// by no SAN.
func SANCoversPattern(san, pattern string) bool {
	san, pattern = Normalize(san), Normalize(pattern)
	if strings.Contains(pattern, "**") || pattern == "*" {
		return false
	}
	sl, pl := strings.Split(san, "."), strings.Split(pattern, ".")
	if len(sl) != len(pl) {
		return false
	}
	for i := range pl {
		switch {
		case i == 0 && sl[0] == "*" && pl[0] != "":
		case sl[i] == pl[i] && !strings.Contains(pl[i], "*"):
		default:
			return false
		}
	}
	return true
}

// ConstraintPermits reports whether a DNS name is within an X.509 DNS name
// constraint (RFC 5280 4.2.1.10, as Go's crypto/x509 applies it): the domain
// itself or any name below it; with a leading ".", only names below it. A
// wildcard SAN's "*" counts as a label.
func ConstraintPermits(constraint, name string) bool {
	c, n := strings.ToLower(constraint), Normalize(name)
	if c == "" {
		return true
	}
	if strings.HasPrefix(c, ".") {
		return strings.HasSuffix(n, c)
	}
	return n == c || strings.HasSuffix(n, "."+c)
}

// SANCovers reports whether a SAN covers name, or every name a toFQDNs
// pattern (any "*") matches.
func SANCovers(san, name string) bool {
	if strings.Contains(name, "*") {
		return SANCoversPattern(san, name)
	}
	return SANCoversName(san, name)
}

// Covered reports whether one of sans covers name (a name or a pattern).
func Covered(name string, sans []string) bool {
	for _, san := range sans {
		if SANCovers(san, name) {
			return true
		}
	}
	return false
}
