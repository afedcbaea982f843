package sharedaddr

import (
	"fmt"
	"net/netip"
	"slices"
	"sort"
	"strings"

	cilium "github.com/cilium/proxy/go/cilium/api"
	envoycore "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"

	"github.com/cilium-tls-intercept/sandbox/sandbox/dnsanswer"
	"github.com/cilium-tls-intercept/sandbox/sandbox/envoystandin"
)

// sharedIdentity is the identity the stand-in gives the shared address; any
// number does, as every rule built here selects it.
const sharedIdentity = 16777217

// Conflict is an address that names of different uses share on a port.
type Conflict struct {
	// Addrs are the shared addresses (several when the same names share
	// each); Port is the TCP port.
	Addrs []netip.Addr
	Port  uint16
	// Names are the names that resolved to Addr, with what Envoy does to
	// each.
	Names []Outcome
	// Uses are every use selecting a name at Addr: all of them select its
	// identity.
	Uses []*Use
	// HTTPShared says, per intercepted name, whose HTTP rules also judge its
	// requests (Envoy applies the HTTP rules of the identity, not the SNI's).
	HTTPShared []string
	// Ordered is false when what Envoy serves depends on an order of the
	// rules the policies do not decide, so Outcome.Served lists every
	// candidate.
	Ordered bool
}

// Outcome is what Envoy does to a connection to one name.
type Outcome struct {
	Name string
	// Own are the uses selecting the name itself ("" wants: no policy).
	Own []*Use
	// Served is what Envoy does, one entry per candidate rule order.
	Served []string
	// Right is true when every candidate is what the name's own use wants;
	// Wrong counts the candidates it does not want.
	Right bool
	Wrong int
}

// Find returns the conflicts of uses under answers: addresses two or more
// names resolved to where the names' uses differ (two intercept secrets, an
// intercepted and a passed-through name, or a name no policy allows), and
// at least one name is served what its own use does not want or judged by
// another use's HTTP rules.
func Find(uses []Use, answers dnsanswer.Answers) ([]Conflict, error) {
	var out []Conflict
	for _, s := range answers.SharedAddrs() {
		for _, port := range ports(uses) {
			c, err := conflictAt(uses, s, port)
			if err != nil {
				return nil, err
			}
			if c != nil {
				out = mergeConflict(out, *c)
			}
		}
	}
	return out, nil
}

func ports(uses []Use) []uint16 {
	var out []uint16
	for _, u := range uses {
		out = append(out, u.Port)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func conflictAt(uses []Use, s dnsanswer.Shared, port uint16) (*Conflict, error) {
	c := &Conflict{Addrs: []netip.Addr{s.Addr}, Port: port, Ordered: true}
	for _, n := range s.Names {
		o := Outcome{Name: n}
		for i := range uses {
			if u := &uses[i]; u.Port == port && u.Selects(n) {
				o.Own = append(o.Own, u)
				if !slices.Contains(c.Uses, u) {
					c.Uses = append(c.Uses, u)
				}
			}
		}
		c.Names = append(c.Names, o)
	}
	if !differ(c) {
		return nil, nil
	}
	orders := candidateOrders(c.Uses)
	for i := range c.Names {
		if err := serve(&c.Names[i], orders, s.Addr, port); err != nil {
			return nil, err
		}
		c.Ordered = c.Ordered && len(c.Names[i].Served) == 1
	}
	c.HTTPShared = httpShared(c)
	if len(c.HTTPShared) == 0 && !slices.ContainsFunc(c.Names, func(o Outcome) bool { return !o.Right }) {
		return nil, nil
	}
	return c, nil
}

// mergeConflict adds c to out, or its address to a conflict of the same
// names on the same port.
func mergeConflict(out []Conflict, c Conflict) []Conflict {
	key := func(x Conflict) string {
		var s []string
		for _, o := range x.Names {
			s = append(s, o.Name+"="+strings.Join(o.Served, "|"))
		}
		return fmt.Sprint(x.Port, s)
	}
	for i := range out {
		if key(out[i]) == key(c) {
			out[i].Addrs = append(out[i].Addrs, c.Addrs...)
			return out
		}
	}
	return append(out, c)
}

// differ reports whether the names at the address want different things.
func differ(c *Conflict) bool {
	wants := map[string]bool{}
	for _, o := range c.Names {
		wants[want(o.Own)] = true
	}
	intercepted := false
	for _, u := range c.Uses {
		intercepted = intercepted || u.Intercepts()
	}
	return intercepted && len(wants) > 1
}

// want is what a name's own uses ask for: the terminating secrets, or ""
// for a pass-through, or "-" for no use.
func want(own []*Use) string {
	if len(own) == 0 {
		return "-"
	}
	var s []string
	for _, u := range own {
		s = append(s, u.Terminating)
	}
	slices.Sort(s)
	return fmt.Sprint(slices.Compact(s))
}

// candidateOrders returns the NPDS rule lists for the shared identity in
// Cilium's order, one per way Cilium may order rules that sort.go cannot
// tell apart here (they differ only in the other identities they select).
func candidateOrders(uses []*Use) [][]*cilium.PortNetworkPolicyRule {
	var base []*cilium.PortNetworkPolicyRule
	for _, u := range uses {
		if u.Intercepts() {
			base = append(base, ruleFor(u, sharedIdentity))
		}
	}
	sort.SliceStable(base, func(i, j int) bool { return ruleLess(base[i], base[j]) })
	if slices.ContainsFunc(uses, func(u *Use) bool { return !u.Intercepts() }) {
		// Cilium merges the allows without L7 into one rule, first in order.
		base = append([]*cilium.PortNetworkPolicyRule{{RemotePolicies: []uint32{sharedIdentity}}}, base...)
	}
	orders := [][]*cilium.PortNetworkPolicyRule{base}
	for i := 0; i < len(base); {
		j := i + 1
		for j < len(base) && !ruleLess(base[i], base[j]) && !ruleLess(base[j], base[i]) {
			j++
		}
		for k := i; k < j-1; k++ { // each member of a tie last in its class
			o := slices.Clone(base)
			m := o[k]
			o = slices.Delete(o, k, k+1)
			o = slices.Insert(o, j-1, m)
			orders = append(orders, o)
		}
		i = j
	}
	return orders
}

// serve runs the Envoy stand-in for a connection to o.Name on each order.
func serve(o *Outcome, orders [][]*cilium.PortNetworkPolicyRule, addr netip.Addr, port uint16) error {
	o.Right = true
	for _, rules := range orders {
		s := &envoystandin.StandIn{IPCache: envoystandin.IPCache{}, NPDS: &cilium.NetworkPolicy{
			EgressPerPortPolicies: []*cilium.PortNetworkPolicy{{Port: uint32(port), Protocol: envoycore.SocketAddress_TCP, Rules: rules}}}}
		s.IPCache.Add(addr, sharedIdentity)
		d, err := s.Decide(envoystandin.Connection{Remote: netip.AddrPortFrom(addr, port), SNI: o.Name})
		if err != nil {
			return fmt.Errorf("%s: %w", o.Name, err)
		}
		served, right := describe(d, o.Own)
		if !slices.Contains(o.Served, served) {
			o.Served = append(o.Served, served)
			if !right {
				o.Wrong++
			}
		}
		o.Right = o.Right && right
	}
	return nil
}

// describe says what Envoy does to the connection and whether the name's
// own uses want it.
func describe(d *envoystandin.Decision, own []*Use) (string, bool) {
	switch {
	case d.Server != nil:
		secret := d.Server.Proto.GetDownstreamTlsContext().GetTlsSdsSecret()
		wanted := slices.ContainsFunc(own, func(u *Use) bool { return u.Terminating == secret })
		return "terminated with " + secret, wanted
	case d.RawToHTTP:
		return "given no TLS context for its SNI: its TLS reaches Envoy's HTTP listener raw and the handshake fails (\"wrong version number\")", false
	case d.Allowed():
		return "passed through", slices.ContainsFunc(own, func(u *Use) bool { return !u.Intercepts() })
	}
	return "dropped by Envoy: no rule allows it", len(own) == 0
}
