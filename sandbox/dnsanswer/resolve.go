package dnsanswer

import (
	"fmt"
	"net/netip"
	"strings"
)

// ResolveTTL is the TTL given to answers stated with --resolve, which
// carry none: CoreDNS's hosts plugin default (its "ttl" option).
const ResolveTTL = 3600

// ParseResolve parses one NAME=ADDRESS value of a --resolve flag (curl's
// --resolve written as NAME=ADDRESS, without a port). The error names the
// value and what is wrong with it.
func ParseResolve(s string) (string, netip.Addr, error) {
	name, addr, ok := strings.Cut(s, "=")
	if !ok {
		return "", netip.Addr{}, fmt.Errorf("--resolve %q: want NAME=ADDRESS, such as api.github.com=140.82.112.5", s)
	}
	a, err := netip.ParseAddr(strings.Trim(strings.TrimSpace(addr), "[]"))
	if err != nil {
		return "", netip.Addr{}, fmt.Errorf("--resolve %q: %q is not an IP address", s, addr)
	}
	if a.Zone() != "" {
		return "", netip.Addr{}, fmt.Errorf("--resolve %q: an address with a zone (%%%s) is not a DNS answer", s, a.Zone())
	}
	probe := Answers{}
	if err := probe.Add(name, a, ResolveTTL); err != nil {
		return "", netip.Addr{}, fmt.Errorf("--resolve %q: %w", s, err)
	}
	return probe.Names()[0], a.Unmap(), nil
}

// FromResolve returns the answers of --resolve values, each with
// ResolveTTL. A name given several times resolves to each address given.
func FromResolve(values []string) (Answers, error) {
	out := Answers{}
	for _, v := range values {
		name, addr, err := ParseResolve(v)
		if err != nil {
			return nil, err
		}
		if err := out.Add(name, addr, ResolveTTL); err != nil {
			return nil, fmt.Errorf("--resolve %q: %w", v, err)
		}
	}
	return out, nil
}

// distinctBase is the first address Distinct hands out: 198.18.0.0/15 is
// reserved for benchmarking (RFC 2544, RFC 6890), so it names no real host.
var distinctBase = netip.MustParseAddr("198.18.0.1")

// distinctRange is the range Distinct hands addresses out from.
var distinctRange = netip.MustParsePrefix("198.18.0.0/15")

// Distinct returns answers that give each of names its own address, from
// 198.18.0.0/15 in the names' sorted order, with ResolveTTL: the assumption
// that no two names share an address, for tools told no answers. Names
// already in known keep their answers and get no address here.
func Distinct(names []string, known Answers) (Answers, error) {
	out := Answers{}
	if err := out.Merge(known); err != nil {
		return nil, err
	}
	probe := Answers{}
	for _, n := range names {
		if err := probe.Add(n, distinctBase, 0); err != nil {
			return nil, err
		}
	}
	used := map[netip.Addr]bool{}
	for _, n := range out.Names() {
		for _, a := range out.Addrs(n) {
			used[a] = true
		}
	}
	next := distinctBase
	for _, n := range probe.Names() {
		if _, ok := out[n]; ok {
			continue
		}
		for used[next] {
			next = next.Next()
		}
		if !distinctRange.Contains(next) {
			return nil, fmt.Errorf("%d names: 198.18.0.0/15 has no distinct address left for %s", len(probe), n)
		}
		used[next] = true
		if err := out.Add(n, next, ResolveTTL); err != nil {
			return nil, err
		}
	}
	return out, nil
}
