package upstream

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/testcontainers/testcontainers-go"
	"github.com/testcontainers/testcontainers-go/wait"
)

// DefaultNetwork is kind's Docker network, where the cluster's nodes live.
const DefaultNetwork = "kind"

// DefaultStartTimeout bounds the image build and the container start.
const DefaultStartTimeout = 5 * time.Minute

// readyLog is what cmd/fake-upstream logs once it listens.
const readyLog = "fake-upstream listening on"

// Options configure Start.
type Options struct {
	// BuildContext is the directory holding cmd/fake-upstream's Dockerfile.
	BuildContext string
	// Network is the Docker network to join; DefaultNetwork when empty.
	Network string
	// Names are the host names the fake upstream answers for.
	Names []string
	// StartTimeout bounds build and start; DefaultStartTimeout when zero.
	StartTimeout time.Duration
	// Certs are served when set (made earlier, for example so that the CA
	// could be put in the chart values first); else NewCerts makes them.
	Certs *Certs
}

// Upstream is a running fake upstream.
type Upstream struct {
	// IP is the container's address on the network.
	IP string
	// Certs are the fake CA and the served certificate.
	Certs *Certs
	// Names are the names it answers for.
	Names     []string
	container testcontainers.Container
}

// Start builds the fake-upstream image, runs it on the network with a
// certificate for every name signed by a fresh fake public CA, and returns
// its address once it listens. It needs a Docker daemon.
func Start(ctx context.Context, opts Options) (*Upstream, error) {
	if opts.BuildContext == "" {
		return nil, errors.New("fake upstream: no build context (the cmd/fake-upstream directory)")
	}
	certs := opts.Certs
	if certs == nil {
		var err error
		if certs, err = NewCerts(opts.Names, time.Now()); err != nil {
			return nil, err
		}
	}
	network := opts.Network
	if network == "" {
		network = DefaultNetwork
	}
	timeout := opts.StartTimeout
	if timeout <= 0 {
		timeout = DefaultStartTimeout
	}
	req := containerRequest(opts.BuildContext, network, certs, timeout)
	c, err := testcontainers.GenericContainer(ctx, testcontainers.GenericContainerRequest{ContainerRequest: req, Started: true})
	if err != nil {
		if c != nil { // created but not ready: remove it
			err = errors.Join(err, c.Terminate(ctx))
		}
		return nil, fmt.Errorf("start fake upstream: %w", err)
	}
	u := &Upstream{Certs: certs, Names: opts.Names, container: c}
	if u.IP, err = networkIP(ctx, c, network); err != nil {
		return nil, errors.Join(err, u.Stop(ctx))
	}
	return u, nil
}

func containerRequest(buildContext, network string, certs *Certs, timeout time.Duration) testcontainers.ContainerRequest {
	return testcontainers.ContainerRequest{
		FromDockerfile: testcontainers.FromDockerfile{
			Context:   buildContext,
			Repo:      "cilium-tls-intercept/fake-upstream",
			Tag:       "local",
			KeepImage: true,
		},
		Networks: []string{network},
		Files: []testcontainers.ContainerFile{
			{Reader: bytes.NewReader(certs.CertPEM), ContainerFilePath: "/certs/tls.crt", FileMode: 0o444},
			{Reader: bytes.NewReader(certs.KeyPEM), ContainerFilePath: "/certs/tls.key", FileMode: 0o400},
		},
		WaitingFor: wait.ForLog(readyLog).WithStartupTimeout(timeout),
	}
}

func networkIP(ctx context.Context, c testcontainers.Container, network string) (string, error) {
	info, err := c.Inspect(ctx)
	if err != nil {
		return "", fmt.Errorf("inspect fake upstream: %w", err)
	}
	if info.NetworkSettings != nil {
		if n, ok := info.NetworkSettings.Networks[network]; ok && n.IPAddress.IsValid() {
			return n.IPAddress.String(), nil
		}
	}
	return "", fmt.Errorf("fake upstream has no address on Docker network %q", network)
}

// Stop removes the container (the image is kept for the next run).
func (u *Upstream) Stop(ctx context.Context) error {
	if u == nil || u.container == nil {
		return nil
	}
	if err := u.container.Terminate(ctx); err != nil {
		return fmt.Errorf("stop fake upstream: %w", err)
	}
	return nil
}
