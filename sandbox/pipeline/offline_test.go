package pipeline

import (
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
)

func TestOffline(t *testing.T) {
	dns := &net.DNSError{Err: "no such host", Name: "helm.cilium.io", Server: "10.0.0.53:53", IsNotFound: true}
	cases := []struct {
		name    string
		err     error
		want    string
		offline bool
	}{
		{"chart download", fmt.Errorf("download chart cilium 1.20.2 from https://helm.cilium.io: looks like it cannot be reached: %w", dns),
			"download chart cilium 1.20.2 from https://helm.cilium.io: no internet access (lookup helm.cilium.io on 10.0.0.53:53: no such host)", true},
		{"pull through the daemon", errors.New(`pull kindest/node:v1.36.4: Error response from daemon: Get "https://registry-1.docker.io/v2/": dial tcp: lookup registry-1.docker.io on 10.0.0.53:53: no such host`),
			"pull kindest/node:v1.36.4: no internet access (lookup registry-1.docker.io on 10.0.0.53:53: no such host)", true},
		{"dial refused", fmt.Errorf("download chart x: %w", &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}),
			"download chart x: no internet access (dial tcp: connection refused)", true},
		{"other", errors.New("release cilium: render failed"), "release cilium: render failed", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := offline(c.err)
			if !strings.HasPrefix(err.Error(), c.want) || errors.Is(err, ErrOffline) != c.offline || !errors.Is(err, c.err) {
				t.Fatalf("offline = %q (ErrOffline %v); want %q, ErrOffline %v, wrapping the cause", err, errors.Is(err, ErrOffline), c.want, c.offline)
			}
		})
	}
}
