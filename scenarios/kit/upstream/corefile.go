package upstream

import (
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strings"
)

// The lines that delimit the block WithHosts adds, so it is found again.
const (
	beginMarker = "# cilium-tls-intercept fake upstream: begin"
	endMarker   = "# cilium-tls-intercept fake upstream: end"
)

// serverBlock matches the opening line of CoreDNS's root server block.
var serverBlock = regexp.MustCompile(`^\s*\.:53\s*\{\s*$`)

// dnsName matches an exact DNS name (the hosts plugin has no wildcards).
var dnsName = regexp.MustCompile(`^([a-z0-9]([-a-z0-9]*[a-z0-9])?\.)+[a-z]{2,}$`)

// WithHosts returns corefile with a hosts block in the .:53 server block
// answering names with ip, and falling through to the other plugins for
// everything else. A block added before is replaced, so the edit is
// idempotent. It fails, naming the bad value, on a name that is not an exact
// DNS name, on an invalid address, or when the Corefile has no .:53 block or
// already has a hosts plugin of its own (CoreDNS allows one per block).
func WithHosts(corefile, ip string, names []string) (string, error) {
	addr, err := netip.ParseAddr(ip)
	if err != nil {
		return "", fmt.Errorf("fake upstream address %q: %w", ip, err)
	}
	for _, n := range names {
		if !dnsName.MatchString(n) {
			return "", fmt.Errorf("fake upstream name %q: want an exact lower-case DNS name", n)
		}
	}
	if len(names) == 0 {
		return "", fmt.Errorf("fake upstream: no names")
	}
	lines := strings.Split(WithoutHosts(corefile), "\n")
	at := slices.IndexFunc(lines, serverBlock.MatchString)
	if at < 0 {
		return "", fmt.Errorf("corefile has no .:53 server block")
	}
	if slices.ContainsFunc(lines, isHostsDirective) {
		return "", fmt.Errorf("corefile already has a hosts plugin; merge %s into it by hand", ip)
	}
	block := hostsBlock(indentOf(lines, at), addr, names)
	lines = slices.Insert(lines, at+1, block...)
	return strings.Join(lines, "\n"), nil
}

// WithoutHosts returns corefile without the block WithHosts adds.
func WithoutHosts(corefile string) string {
	var out []string
	skipping := false
	for _, l := range strings.Split(corefile, "\n") {
		switch strings.TrimSpace(l) {
		case beginMarker:
			skipping = true
			continue
		case endMarker:
			skipping = false
			continue
		}
		if !skipping {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

func isHostsDirective(l string) bool {
	f := strings.Fields(l)
	return len(f) > 0 && f[0] == "hosts"
}

// indentOf returns the indentation of the first plugin line after line at.
func indentOf(lines []string, at int) string {
	if at+1 < len(lines) {
		l := lines[at+1]
		if ind := l[:len(l)-len(strings.TrimLeft(l, " \t"))]; ind != "" {
			return ind
		}
	}
	return "    "
}

func hostsBlock(ind string, addr netip.Addr, names []string) []string {
	sorted := slices.Clone(names)
	slices.Sort(sorted)
	sorted = slices.Compact(sorted)
	return []string{
		ind + beginMarker,
		ind + "hosts {",
		ind + ind + addr.String() + " " + strings.Join(sorted, " "),
		ind + ind + "ttl 30",
		ind + ind + "fallthrough",
		ind + "}",
		ind + endMarker,
	}
}
