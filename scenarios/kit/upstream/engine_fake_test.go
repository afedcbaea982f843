package upstream

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"net/netip"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/network"
	"github.com/moby/moby/client"

	"github.com/cilium-tls-intercept/sandbox/sandbox/cluster"
)

// fakeEngine stands in for the Docker Engine API at the seam Start uses:
// it keeps containers in memory, gives each the next address of
// 172.18.0.0/16 on the network it was created on, and logs the program's
// ready line for each. It answers like the daemon for what Start reads
// (inspect, list by label, remove) and runs nothing.
type fakeEngine struct {
	mu         sync.Mutex
	next       netip.Addr
	containers map[string]*fakeContainer
	builds     int
	closed     int
}

type fakeContainer struct {
	name, network string
	labels        map[string]string
	addr          netip.Addr
	started       bool
}

func newFakeEngine() *fakeEngine {
	return &fakeEngine{next: netip.MustParseAddr("172.18.0.10"), containers: map[string]*fakeContainer{}}
}

func (f *fakeEngine) ServerVersion(context.Context, client.ServerVersionOptions) (client.ServerVersionResult, error) {
	return client.ServerVersionResult{Arch: runtime.GOARCH}, nil
}

func (f *fakeEngine) ImageInspect(context.Context, string, ...client.ImageInspectOption) (client.ImageInspectResult, error) {
	return client.ImageInspectResult{}, cerrdefs.ErrNotFound
}

func (f *fakeEngine) ImageBuild(context.Context, io.Reader, client.ImageBuildOptions) (client.ImageBuildResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.builds++
	return client.ImageBuildResult{Body: io.NopCloser(strings.NewReader(`{"aux":{"ID":"sha256:fake"}}`))}, nil
}

func (f *fakeEngine) ContainerCreate(_ context.Context, o client.ContainerCreateOptions) (client.ContainerCreateResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var net string
	for n := range o.NetworkingConfig.EndpointsConfig {
		net = n
	}
	id := fmt.Sprintf("c%d", len(f.containers)+1)
	f.containers[id] = &fakeContainer{name: o.Name, network: net, labels: o.Config.Labels, addr: f.next}
	f.next = f.next.Next()
	return client.ContainerCreateResult{ID: id}, nil
}

func (f *fakeEngine) get(id string) (*fakeContainer, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, ok := f.containers[id]
	if !ok {
		return nil, fmt.Errorf("container %s: %w", id, cerrdefs.ErrNotFound)
	}
	return c, nil
}

func (f *fakeEngine) CopyToContainer(_ context.Context, id string, _ client.CopyToContainerOptions) (client.CopyToContainerResult, error) {
	_, err := f.get(id)
	return client.CopyToContainerResult{}, err
}

func (f *fakeEngine) ContainerStart(_ context.Context, id string, _ client.ContainerStartOptions) (client.ContainerStartResult, error) {
	c, err := f.get(id)
	if err == nil {
		c.started = true
	}
	return client.ContainerStartResult{}, err
}

// ContainerLogs returns the ready line in the daemon's multiplexed framing
// (stdcopy: stream byte, three zero bytes, big-endian length).
func (f *fakeEngine) ContainerLogs(_ context.Context, id string, _ client.ContainerLogsOptions) (client.ContainerLogsResult, error) {
	if _, err := f.get(id); err != nil {
		return nil, err
	}
	line := readyLog + " [::]:443\n"
	frame := make([]byte, 8, 8+len(line))
	frame[0] = 2 // stderr, where the program logs
	binary.BigEndian.PutUint32(frame[4:], uint32(len(line)))
	return io.NopCloser(strings.NewReader(string(append(frame, line...)))), nil
}

func (f *fakeEngine) ContainerInspect(_ context.Context, id string, _ client.ContainerInspectOptions) (client.ContainerInspectResult, error) {
	c, err := f.get(id)
	if err != nil {
		return client.ContainerInspectResult{}, err
	}
	return client.ContainerInspectResult{Container: container.InspectResponse{ID: id,
		NetworkSettings: &container.NetworkSettings{Networks: map[string]*network.EndpointSettings{c.network: {IPAddress: c.addr}}}}}, nil
}

func (f *fakeEngine) ContainerRemove(_ context.Context, id string, _ client.ContainerRemoveOptions) (client.ContainerRemoveResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.containers[id]; !ok {
		return client.ContainerRemoveResult{}, fmt.Errorf("container %s: %w", id, cerrdefs.ErrNotFound)
	}
	delete(f.containers, id)
	return client.ContainerRemoveResult{}, nil
}

// ContainerList honours the "label" filter as key=value, as the daemon does.
func (f *fakeEngine) ContainerList(_ context.Context, o client.ContainerListOptions) (client.ContainerListResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out client.ContainerListResult
	for id, c := range f.containers {
		match := true
		for want := range o.Filters["label"] {
			k, v, _ := strings.Cut(want, "=")
			if got, ok := c.labels[k]; !ok || got != v {
				match = false
			}
		}
		if match {
			out.Items = append(out.Items, container.Summary{ID: id, Names: []string{"/" + c.name}, Labels: c.labels})
		}
	}
	return out, nil
}

func (f *fakeEngine) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.closed++
	return nil
}

func (f *fakeEngine) options(names ...string) Options {
	return Options{Source: source, Names: names, engine: func() (engine, error) { return f, nil }}
}

// TestStartOneContainerPerName: Start runs one container per name from one
// image build, on the kind nodes' network, and its answers give each name
// the address of its own container. Names sharing an address would share
// one Cilium identity, and with it every policy's rules.
func TestStartOneContainerPerName(t *testing.T) {
	f := newFakeEngine()
	names := []string{"api.github.com", "sts.amazonaws.com", "storage.googleapis.com", "example.com", "www.wikipedia.org"}
	u, err := Start(t.Context(), f.options(names...))
	if err != nil {
		t.Fatal(err)
	}
	if len(f.containers) != len(names) || f.builds != 1 {
		t.Fatalf("%d containers from %d image builds, want %d from 1", len(f.containers), f.builds, len(names))
	}
	answers := u.Answers()
	if got := answers.Names(); !slices.Equal(got, slices.Sorted(slices.Values(names))) {
		t.Errorf("answers for %v, want %v", got, names)
	}
	if shared := answers.SharedAddrs(); len(shared) > 0 {
		t.Errorf("names share addresses: %v", shared)
	}
	for _, s := range u.Servers {
		c := f.containers[s.ID]
		if c == nil || c.labels[NameLabel] != s.Name || !c.started || c.network != cluster.DefaultKindNetwork {
			t.Errorf("server %+v: container %+v, want one labelled with its name, started, on %q", s, c, cluster.DefaultKindNetwork)
			continue
		}
		if a := answers.Addrs(s.Name); len(a) != 1 || a[0] != c.addr || answers[s.Name][0].TTL != HostsTTL {
			t.Errorf("%s answers %v, want its container's %s with TTL %d", s.Name, answers[s.Name], c.addr, HostsTTL)
		}
	}
	if err := u.Stop(t.Context()); err != nil || len(f.containers) != 0 || f.closed != 1 {
		t.Errorf("Stop: %v; %d containers left, client closed %d times", err, len(f.containers), f.closed)
	}
}

// TestStartFollowsKindNetwork: with KIND_EXPERIMENTAL_DOCKER_NETWORK set,
// kind puts the nodes on that network, and the fake upstreams join it too
// (one helper, cluster.KindNetwork, for both); an explicit Network wins.
func TestStartFollowsKindNetwork(t *testing.T) {
	t.Setenv(cluster.KindNetworkEnv, "kind-ci-42")
	for _, tc := range []struct{ network, want string }{{"", "kind-ci-42"}, {"other", "other"}} {
		f := newFakeEngine()
		opts := f.options("api.github.com")
		opts.Network = tc.network
		u, err := Start(t.Context(), opts)
		if err != nil {
			t.Fatal(err)
		}
		if c := f.containers[u.Servers[0].ID]; c.network != tc.want {
			t.Errorf("Network %q: container on %q, want %q (kind's nodes are on %q)", tc.network, c.network, tc.want, cluster.KindNetwork())
		}
	}
}

// TestRemoveLeftovers: containers a killed run left behind (labelled as the
// fake upstream's) are removed, running or not; other containers stay.
func TestRemoveLeftovers(t *testing.T) {
	f := newFakeEngine()
	if _, err := Start(t.Context(), f.options("api.github.com", "example.com")); err != nil {
		t.Fatal(err)
	}
	f.containers["kind-node"] = &fakeContainer{name: "cilium-tls-intercept-control-plane", labels: map[string]string{"io.x-k8s.kind.cluster": "cilium-tls-intercept"}}
	removed, err := removeLeftovers(t.Context(), f)
	if err != nil {
		t.Fatal(err)
	}
	if len(removed) != 2 || len(f.containers) != 1 || f.containers["kind-node"] == nil {
		t.Errorf("removed %v, left %v; want the two fake upstreams removed and the kind node kept", removed, f.containers)
	}
	for _, name := range removed {
		if !strings.HasPrefix(name, "fake-upstream-") {
			t.Errorf("removed %q, want the container's name", name)
		}
	}
}
