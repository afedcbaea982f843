package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	cilium "github.com/cilium/proxy/go/cilium/api"
	listenerv3 "github.com/envoyproxy/go-control-plane/envoy/config/listener/v3"
	tlsv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/transport_sockets/tls/v3"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/cilium-tls-intercept/sandbox/sandbox/ciliumrun/wire"
)

// xdsTimeout bounds each read from the agent's xDS server.
const xdsTimeout = 20 * time.Second

// fetchXDS reads what the agent's xDS server serves Envoy for the
// endpoint of v, asking as Envoy asks: its NPDS resource (named by the
// endpoint's ID), the listeners named, and the SDS secrets the NPDS
// resource names (Envoy subscribes to secrets by name; the agent's ADS
// server serves no others). served are the SDS names the agent's secret
// syncer should serve; they are waited for first, so that a secret the
// NPDS resource names and the agent lacks is reported missing, not late.
func fetchXDS(ctx context.Context, socket string, ads bool, v *wire.WorkloadView, listeners, served []string, keep bool) error {
	c, err := dialXDS(socket, ads)
	if err != nil {
		return err
	}
	defer c.Close()
	if v.PolicyError == "" {
		if err := fetchNPDS(ctx, c, v, keep); err != nil {
			return err
		}
	}
	if len(listeners) > 0 {
		resp, err := c.fetch(ctx, listenerTypeURL, listeners, xdsTimeout)
		if err != nil {
			return err
		}
		for _, r := range resourcesOf(resp, listenerTypeURL) {
			l := &listenerv3.Listener{}
			if err := unpack(r, l); err != nil {
				return err
			}
			data, err := toJSON(l, keep)
			if err != nil {
				return err
			}
			v.Listeners = append(v.Listeners, wire.EnvoyListener{Name: l.GetName(), Listener: data})
		}
	}
	if len(served) > 0 {
		if _, err := waitSecrets(ctx, c, served, keep); err != nil {
			return err
		}
	}
	names := sdsReferences(v.NPDS)
	if len(names) == 0 {
		return nil
	}
	v.SDS, err = fetchSecrets(ctx, c, names, keep, sdsMissingTimeout)
	return err
}

// sdsMissingTimeout bounds the wait for SDS secrets the agent may not
// serve: once the served ones are there, an answer is immediate.
const sdsMissingTimeout = 3 * time.Second

// fetchNPDS reads the endpoint's NPDS resource.
func fetchNPDS(ctx context.Context, c *xdsClient, v *wire.WorkloadView, keep bool) error {
	resp, err := c.fetch(ctx, networkPolicyTypeURL, []string{strconv.Itoa(int(v.EndpointID))}, xdsTimeout)
	if err != nil {
		return err
	}
	for _, r := range resourcesOf(resp, networkPolicyTypeURL) {
		np := &cilium.NetworkPolicy{}
		if err := unpack(r, np); err != nil {
			return err
		}
		if np.GetEndpointId() == uint64(v.EndpointID) {
			if v.NPDS, err = toJSON(np, keep); err != nil {
				return err
			}
		}
	}
	return nil
}

// sdsReferences lists the SDS secret names an NPDS resource's TLS contexts
// and header matches name, sorted. They are read from the JSON, whose
// field names every release's cilium/proxy shares.
func sdsReferences(npds json.RawMessage) []string {
	var v any
	if json.Unmarshal(npds, &v) != nil {
		return nil
	}
	seen := map[string]bool{}
	var walk func(any)
	walk = func(x any) {
		switch t := x.(type) {
		case map[string]any:
			for k, y := range t {
				if s, ok := y.(string); ok && sdsReferenceFields[k] && s != "" {
					seen[s] = true
				}
				walk(y)
			}
		case []any:
			for _, y := range t {
				walk(y)
			}
		}
	}
	walk(v)
	out := make([]string, 0, len(seen))
	for n := range seen {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// sdsReferenceFields are cilium.NetworkPolicy's fields naming SDS secrets.
var sdsReferenceFields = map[string]bool{"tlsSdsSecret": true, "validationContextSdsSecret": true, "valueSdsSecret": true}

// waitSecrets polls the SDS secrets want until every one is served (the
// agent's secret syncer serves them once its watch delivered them) or
// xdsTimeout passed, and says which were missing then.
func waitSecrets(ctx context.Context, c *xdsClient, want []string, keep bool) ([]wire.SDSSecret, error) {
	var got []wire.SDSSecret
	var missing []string
	err := wait.PollUntilContextTimeout(ctx, 50*time.Millisecond, xdsTimeout, true, func(ctx context.Context) (bool, error) {
		var err error
		if got, err = fetchSecrets(ctx, c, want, keep, time.Second); err != nil {
			return false, err
		}
		have := map[string]bool{}
		for _, s := range got {
			have[s.Name] = true
		}
		missing = missing[:0]
		for _, n := range want {
			if !have[n] {
				missing = append(missing, n)
			}
		}
		return len(missing) == 0, nil
	})
	if err != nil {
		return got, fmt.Errorf("the agent's SDS did not serve %v within %s: %w", missing, xdsTimeout, err)
	}
	return got, nil
}

// fetchSecrets asks for the named SDS secrets and returns those served;
// no answer within timeout means none is.
func fetchSecrets(ctx context.Context, c *xdsClient, names []string, keep bool, timeout time.Duration) ([]wire.SDSSecret, error) {
	resp, err := c.fetch(ctx, secretTypeURL, names, timeout)
	if errors.Is(err, context.DeadlineExceeded) || status.Code(err) == codes.DeadlineExceeded {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []wire.SDSSecret
	for _, r := range resourcesOf(resp, secretTypeURL) {
		s := &tlsv3.Secret{}
		if err := unpack(r, s); err != nil {
			return nil, err
		}
		sec := wire.SDSSecret{Name: s.GetName(), Type: secretType(s), Version: resp.GetVersionInfo()}
		if keep {
			if sec.Secret, err = toJSON(s, true); err != nil {
				return nil, err
			}
		}
		out = append(out, sec)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// secretType names the kind of an Envoy secret.
func secretType(s *tlsv3.Secret) string {
	switch s.GetType().(type) {
	case *tlsv3.Secret_TlsCertificate:
		return "tlsCertificate"
	case *tlsv3.Secret_ValidationContext:
		return "validationContext"
	case *tlsv3.Secret_GenericSecret:
		return "genericSecret"
	case *tlsv3.Secret_SessionTicketKeys:
		return "sessionTicketKeys"
	}
	return fmt.Sprintf("%T", s.GetType())
}

// relocate rewrites the paths under dir in v's listeners to be under to.
func relocate(v *wire.WorkloadView, dir, to string) {
	for i := range v.Listeners {
		v.Listeners[i].Listener = json.RawMessage(strings.ReplaceAll(string(v.Listeners[i].Listener), dir, to))
	}
}
