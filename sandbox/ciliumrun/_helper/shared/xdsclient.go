package main

import (
	"context"
	"fmt"
	"net"
	"time"

	cilium "github.com/cilium/proxy/go/cilium/api"
	envoycore "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	clusterv3 "github.com/envoyproxy/go-control-plane/envoy/service/cluster/v3"
	discoveryv3 "github.com/envoyproxy/go-control-plane/envoy/service/discovery/v3"
	listenerv3 "github.com/envoyproxy/go-control-plane/envoy/service/listener/v3"
	secretv3 "github.com/envoyproxy/go-control-plane/envoy/service/secret/v3"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/types/known/anypb"
)

// The xDS resource types read from the agent.
const (
	clusterTypeURL       = "type.googleapis.com/envoy.config.cluster.v3.Cluster"
	listenerTypeURL      = "type.googleapis.com/envoy.config.listener.v3.Listener"
	secretTypeURL        = "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret"
	networkPolicyTypeURL = "type.googleapis.com/cilium.NetworkPolicy"
)

// envoyNodeID is the node ID Cilium's Envoy bootstrap gives Envoy; the
// agent's xDS server reads the node's address from it.
const envoyNodeID = "host~127.0.0.1~no-id~localdomain"

// xdsClient reads resources from the agent's xDS server over its Unix
// socket, as Envoy does: Envoy's discovery protocol, a stream per resource
// type (the agent's "split" mode) or one aggregated stream ("ads" and
// "strict-ads" modes, 1.20+). It is the part of Envoy that asks; nothing
// here applies what it gets.
type xdsClient struct {
	conn *grpc.ClientConn
	ads  bool
}

// dialXDS connects to the xDS server's socket.
func dialXDS(socket string, ads bool) (*xdsClient, error) {
	conn, err := grpc.NewClient("passthrough:///"+socket,
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithContextDialer(func(ctx context.Context, addr string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, "unix", socket)
		}))
	if err != nil {
		return nil, fmt.Errorf("xDS client for %s: %w", socket, err)
	}
	return &xdsClient{conn: conn, ads: ads}, nil
}

func (c *xdsClient) Close() error { return c.conn.Close() }

// discoveryStream is what every xDS stream client has.
type discoveryStream interface {
	Send(*discoveryv3.DiscoveryRequest) error
	Recv() (*discoveryv3.DiscoveryResponse, error)
	CloseSend() error
}

// stream opens the stream that serves typeURL.
func (c *xdsClient) stream(ctx context.Context, typeURL string) (discoveryStream, error) {
	if c.ads {
		return discoveryv3.NewAggregatedDiscoveryServiceClient(c.conn).StreamAggregatedResources(ctx)
	}
	switch typeURL {
	case clusterTypeURL:
		return clusterv3.NewClusterDiscoveryServiceClient(c.conn).StreamClusters(ctx)
	case listenerTypeURL:
		return listenerv3.NewListenerDiscoveryServiceClient(c.conn).StreamListeners(ctx)
	case secretTypeURL:
		return secretv3.NewSecretDiscoveryServiceClient(c.conn).StreamSecrets(ctx)
	case networkPolicyTypeURL:
		return cilium.NewNetworkPolicyDiscoveryServiceClient(c.conn).StreamNetworkPolicies(ctx)
	}
	return nil, fmt.Errorf("no xDS stream for %s", typeURL)
}

// fetch asks for every resource of typeURL (names nil) or the named ones
// and returns the first response. The agent serves listeners only after
// the node acknowledged clusters, as Envoy does at start, so listeners are
// fetched after an acknowledged cluster response.
func (c *xdsClient) fetch(ctx context.Context, typeURL string, names []string, timeout time.Duration) (*discoveryv3.DiscoveryResponse, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if typeURL == listenerTypeURL {
		if _, err := c.fetchAcked(ctx, clusterTypeURL, nil); err != nil {
			return nil, err
		}
	}
	return c.fetchAcked(ctx, typeURL, names)
}

// fetchAcked sends a request, receives the response and acknowledges it.
func (c *xdsClient) fetchAcked(ctx context.Context, typeURL string, names []string) (*discoveryv3.DiscoveryResponse, error) {
	s, err := c.stream(ctx, typeURL)
	if err != nil {
		return nil, fmt.Errorf("open xDS stream for %s: %w", typeURL, err)
	}
	node := &envoycore.Node{Id: envoyNodeID}
	if err := s.Send(&discoveryv3.DiscoveryRequest{Node: node, TypeUrl: typeURL, ResourceNames: names}); err != nil {
		return nil, fmt.Errorf("xDS request for %s: %w", typeURL, err)
	}
	resp, err := s.Recv()
	if err != nil {
		return nil, fmt.Errorf("xDS response for %s: %w", typeURL, err)
	}
	ack := &discoveryv3.DiscoveryRequest{Node: node, TypeUrl: typeURL, ResourceNames: names,
		VersionInfo: resp.GetVersionInfo(), ResponseNonce: resp.GetNonce()}
	if err := s.Send(ack); err != nil {
		return nil, fmt.Errorf("xDS acknowledgement for %s: %w", typeURL, err)
	}
	return resp, nil
}

// resourcesOf returns the response's resources of typeURL.
func resourcesOf(resp *discoveryv3.DiscoveryResponse, typeURL string) []*anypb.Any {
	var out []*anypb.Any
	for _, r := range resp.GetResources() {
		if r.GetTypeUrl() == typeURL {
			out = append(out, r)
		}
	}
	return out
}
