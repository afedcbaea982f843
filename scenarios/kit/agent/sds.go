//go:build linux

package agent

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"

	tlsv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/transport_sockets/tls/v3"
	"google.golang.org/protobuf/proto"
	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/cilium/cilium/pkg/completion"
	"github.com/cilium/cilium/pkg/envoy"
	"github.com/cilium/cilium/pkg/envoy/xds"
)

// SDSSecrets stands in for the agent's xDS server: it keeps the secrets the
// agent's SDS secret syncer (pkg/envoy, watching the policy secrets
// namespace) upserts and deletes, which the xDS server would serve Envoy
// over SDS. It implements only that part of envoy.XDSServer; any other
// method panics, and nothing else of the agent calls one here.
type SDSSecrets struct {
	envoy.XDSServer // nil: only the methods below are implemented

	mu      sync.Mutex
	secrets map[string]*tlsv3.Secret
}

func newSDSSecrets() *SDSSecrets {
	return &SDSSecrets{secrets: map[string]*tlsv3.Secret{}}
}

// UpsertEnvoyResources keeps the secrets of res, as the xDS cache does.
func (s *SDSSecrets) UpsertEnvoyResources(_ context.Context, res xds.Resources, _ *completion.WaitGroup) error {
	if len(res.Listeners)+len(res.Routes)+len(res.Clusters)+len(res.Endpoints) > 0 {
		return fmt.Errorf("sds stand-in: only secrets are kept, got listeners, routes, clusters or endpoints")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for name, sec := range res.Secrets {
		s.secrets[name] = proto.Clone(sec).(*tlsv3.Secret)
	}
	return nil
}

// DeleteEnvoyResources drops the secrets of res.
func (s *SDSSecrets) DeleteEnvoyResources(_ context.Context, res xds.Resources, _ *completion.WaitGroup) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for name := range res.Secrets {
		delete(s.secrets, name)
	}
	return nil
}

// Get returns a copy of the SDS secret of that name.
func (s *SDSSecrets) Get(name string) (*tlsv3.Secret, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sec, ok := s.secrets[name]
	if !ok {
		return nil, false
	}
	return proto.Clone(sec).(*tlsv3.Secret), true
}

// Names lists the SDS secrets' names, sorted.
func (s *SDSSecrets) Names() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Sorted(maps.Keys(s.secrets))
}

// Wait polls until the SDS secret name exists and ok accepts it (ok nil
// accepts any), for at most timeout. A timeout says what was last seen.
func (s *SDSSecrets) Wait(ctx context.Context, name string, timeout time.Duration, ok func(*tlsv3.Secret) error) (*tlsv3.Secret, error) {
	var got *tlsv3.Secret
	last := fmt.Errorf("no SDS secret %q (have %v)", name, s.Names())
	err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, timeout, true, func(context.Context) (bool, error) {
		sec, found := s.Get(name)
		switch {
		case !found:
			last = fmt.Errorf("no SDS secret %q (have %v)", name, s.Names())
		case ok != nil:
			last = ok(sec)
		default:
			last = nil
		}
		got = sec
		return last == nil, nil
	})
	if err != nil {
		return got, fmt.Errorf("SDS secret %s after %s: %w", name, timeout, last)
	}
	return got, nil
}
