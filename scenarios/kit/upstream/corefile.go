package upstream

import (
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/cilium-tls-intercept/sandbox/sandbox/dnsanswer"
)

// The lines that delimit the block WithHosts adds, so it is found again.
const (
	beginMarker = "# cilium-tls-intercept fake upstream: begin"
	endMarker   = "# cilium-tls-intercept fake upstream: end"
)

// HostsTTL is the TTL, in seconds, of the hosts block's answers.
const HostsTTL = 30

// serverBlock matches the opening line of CoreDNS's root server block.
var serverBlock = regexp.MustCompile(`^\s*\.:53\s*\{\s*$`)

// WithHosts returns corefile with a hosts block in the .:53 server block
// giving exactly the answers (each name its addresses), and falling
// through to the other plugins for every other name. A block added before
// is replaced, so the edit is idempotent; HostsAnswers reads the answers
// back. It fails, naming the bad value, on a name that is not an exact
// lowercase DNS name, an invalid address, records of different TTLs (the
// hosts plugin gives all its answers one TTL), no answers, or a Corefile
// without a .:53 block or with a hosts plugin of its own (CoreDNS allows
// one per block).
func WithHosts(corefile string, answers dnsanswer.Answers) (string, error) {
	if err := answers.Validate(); err != nil {
		return "", fmt.Errorf("fake upstream answers: %w", err)
	}
	if len(answers) == 0 {
		return "", fmt.Errorf("fake upstream: no names")
	}
	ttl, err := oneTTL(answers)
	if err != nil {
		return "", err
	}
	lines := strings.Split(WithoutHosts(corefile), "\n")
	at := slices.IndexFunc(lines, serverBlock.MatchString)
	if at < 0 {
		return "", fmt.Errorf("corefile has no .:53 server block")
	}
	if slices.ContainsFunc(lines, isHostsDirective) {
		return "", fmt.Errorf("corefile already has a hosts plugin; merge the fake upstream's answers %v into it by hand", answers.Names())
	}
	block := hostsBlock(indentOf(lines, at), answers, ttl)
	lines = slices.Insert(lines, at+1, block...)
	return strings.Join(lines, "\n"), nil
}

// oneTTL returns the TTL every record shares, or an error naming a name
// whose record differs.
func oneTTL(answers dnsanswer.Answers) (uint32, error) {
	ttl, first := uint32(0), ""
	for _, n := range answers.Names() {
		if len(answers[n]) == 0 {
			return 0, fmt.Errorf("fake upstream name %s has no address", n)
		}
		for _, r := range answers[n] {
			if first == "" {
				ttl, first = r.TTL, n
			} else if r.TTL != ttl {
				return 0, fmt.Errorf("fake upstream name %s has TTL %d and %s %d: a hosts block gives every answer one TTL", n, r.TTL, first, ttl)
			}
		}
	}
	return ttl, nil
}

// HostsAnswers reads back the answers of the hosts block WithHosts added
// to corefile: what CoreDNS answers for the names in it. A Corefile
// without the block gives no answers.
func HostsAnswers(corefile string) (dnsanswer.Answers, error) {
	out := dnsanswer.Answers{}
	inBlock := false
	var ttl uint32
	type entry struct{ addr, name string }
	var entries []entry
	for _, l := range strings.Split(corefile, "\n") {
		f := strings.Fields(l)
		switch {
		case strings.TrimSpace(l) == beginMarker:
			inBlock = true
		case strings.TrimSpace(l) == endMarker:
			inBlock = false
		case !inBlock || len(f) < 2 || f[0] == "hosts":
		case f[0] == "ttl":
			n, err := strconv.ParseUint(f[1], 10, 32)
			if err != nil {
				return nil, fmt.Errorf("hosts block: ttl %q: %w", f[1], err)
			}
			ttl = uint32(n)
		default:
			for _, name := range f[1:] {
				entries = append(entries, entry{f[0], name})
			}
		}
	}
	for _, e := range entries {
		addr, err := netip.ParseAddr(e.addr)
		if err != nil {
			return nil, fmt.Errorf("hosts block: address %q: %w", e.addr, err)
		}
		if err := out.Add(e.name, addr, ttl); err != nil {
			return nil, fmt.Errorf("hosts block: %w", err)
		}
	}
	return out, nil
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

func hostsBlock(ind string, answers dnsanswer.Answers, ttl uint32) []string {
	block := []string{ind + beginMarker, ind + "hosts {"}
	for _, n := range answers.Names() {
		for _, a := range answers.Addrs(n) {
			block = append(block, ind+ind+a.String()+" "+n)
		}
	}
	return append(block,
		ind+ind+"ttl "+strconv.FormatUint(uint64(ttl), 10),
		ind+ind+"fallthrough",
		ind+"}",
		ind+endMarker,
	)
}
