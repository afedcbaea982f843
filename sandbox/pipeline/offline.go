package pipeline

import (
	"errors"
	"fmt"
	"net"
	"strings"
)

// ErrOffline marks a step that needed the internet (a chart download, an
// image pull) and could not reach it.
var ErrOffline = errors.New("no internet access")

// unreachable returns the network failure in err, when err is one: a DNS
// lookup or a dial that failed, in Go's errors or in the text of the
// Docker daemon's, which reach the client as strings.
func unreachable(err error) (string, bool) {
	var dns *net.DNSError
	if errors.As(err, &dns) {
		return dns.Error(), true
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return op.Error(), true
	}
	msg := err.Error()
	for _, m := range []string{"no such host", "network is unreachable", "i/o timeout", "TLS handshake timeout", "connection refused"} {
		if !strings.Contains(msg, m) {
			continue
		}
		for _, start := range []string{"lookup ", "dial tcp"} {
			if i := strings.LastIndex(msg, start); i >= 0 {
				return msg[i:], true
			}
		}
		return msg, true
	}
	return "", false
}

// offline turns a failure to reach the network into an error that says so
// in one line, keeping what was being done (err's text up to its first
// ": ", such as "download chart cilium 1.20.2 from https://helm.cilium.io")
// and the network failure, and wrapping ErrOffline and err; other errors
// pass unchanged.
func offline(err error) error {
	reason, ok := unreachable(err)
	if !ok {
		return err
	}
	what, _, _ := strings.Cut(err.Error(), ": ")
	return &offlineError{what: what, reason: reason, err: err}
}

// offlineError is a step's network failure, said in one line.
type offlineError struct {
	what, reason string
	err          error
}

func (e *offlineError) Error() string {
	return fmt.Sprintf("%s: %v (%s); up downloads charts and images once, later runs reuse them", e.what, ErrOffline, e.reason)
}

func (e *offlineError) Unwrap() []error { return []error{ErrOffline, e.err} }
