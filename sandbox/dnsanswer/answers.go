package dnsanswer

import (
	"cmp"
	"fmt"
	"maps"
	"net/netip"
	"slices"

	"github.com/cilium-tls-intercept/sandbox/sandbox/dnsname"
)

// Record is one address a name resolved to, with the TTL the answer gave it.
type Record struct {
	// Addr is the IPv4 or IPv6 address of an A or AAAA record.
	Addr netip.Addr `json:"addr"`
	// TTL is the record's time to live in seconds.
	TTL uint32 `json:"ttl"`
}

// Answers maps a DNS name (lowercase, without a trailing dot) to the records
// it resolved to. A name with no records did not resolve. Its JSON form is
// {"api.github.com": [{"addr": "140.82.112.5", "ttl": 60}]}.
type Answers map[string][]Record

// Add records that name resolved to addr with ttl seconds. The name is
// normalised (lowercase, no trailing dot); an address already recorded for
// the name keeps the larger TTL. A name that is not an exact DNS name or an
// invalid address is an error naming it.
func (a Answers) Add(name string, addr netip.Addr, ttl uint32) error {
	n := dnsname.Normalize(name)
	if p := dnsname.Problem(n, false); p != "" {
		return fmt.Errorf("DNS name %q: %s", name, dnsname.Sentence(p))
	}
	if !addr.IsValid() {
		return fmt.Errorf("address for %s is not valid", n)
	}
	addr = addr.Unmap()
	for i, r := range a[n] {
		if r.Addr == addr {
			a[n][i].TTL = max(r.TTL, ttl)
			return nil
		}
	}
	a[n] = append(a[n], Record{Addr: addr, TTL: ttl})
	return nil
}

// Validate checks every name and address, naming the first bad one.
func (a Answers) Validate() error {
	for _, n := range a.Names() {
		if p := dnsname.Problem(n, false); p != "" {
			return fmt.Errorf("DNS name %q: %s", n, dnsname.Sentence(p))
		}
		for _, r := range a[n] {
			if !r.Addr.IsValid() {
				return fmt.Errorf("address for %s is not valid", n)
			}
		}
	}
	return nil
}

// Names returns the names answered, sorted.
func (a Answers) Names() []string {
	return slices.Sorted(maps.Keys(a))
}

// Addrs returns the addresses name resolved to, sorted.
func (a Answers) Addrs(name string) []netip.Addr {
	var out []netip.Addr
	for _, r := range a[dnsname.Normalize(name)] {
		out = append(out, r.Addr)
	}
	slices.SortFunc(out, netip.Addr.Compare)
	return slices.Compact(out)
}

// NamesOf returns the names that resolved to addr, sorted.
func (a Answers) NamesOf(addr netip.Addr) []string {
	var out []string
	for _, n := range a.Names() {
		if slices.ContainsFunc(a[n], func(r Record) bool { return r.Addr == addr.Unmap() }) {
			out = append(out, n)
		}
	}
	return out
}

// Shared is an address that several names resolved to.
type Shared struct {
	// Addr is the address.
	Addr netip.Addr `json:"addr"`
	// Names are the names that resolved to it, sorted.
	Names []string `json:"names"`
}

// SharedAddrs returns every address that two or more names resolved to,
// sorted by address.
func (a Answers) SharedAddrs() []Shared {
	by := map[netip.Addr][]string{}
	for _, n := range a.Names() {
		for _, addr := range a.Addrs(n) {
			by[addr] = append(by[addr], n)
		}
	}
	var out []Shared
	for addr, names := range by {
		if len(names) > 1 {
			out = append(out, Shared{Addr: addr, Names: names})
		}
	}
	slices.SortFunc(out, func(x, y Shared) int { return cmp.Compare(x.Addr.Compare(y.Addr), 0) })
	return out
}

// Merge adds every record of b to a.
func (a Answers) Merge(b Answers) error {
	for _, n := range b.Names() {
		for _, r := range b[n] {
			if err := a.Add(n, r.Addr, r.TTL); err != nil {
				return err
			}
		}
	}
	return nil
}
