// Package dnsname answers the name questions that decide whether
// interception can work: does a certificate SAN cover a host name, or every
// name a Cilium toFQDNs pattern matches ("*.x" covers exactly one label, not
// "x" and not deeper; no SAN covers "**."), and does an X.509 name
// constraint permit a name. The chart validator and the doctor share it.
package dnsname
