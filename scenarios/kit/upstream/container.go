package upstream

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"strings"
	"time"

	"github.com/moby/moby/api/pkg/stdcopy"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/network"
	"github.com/moby/moby/client"

	"github.com/cilium-tls-intercept/sandbox/sandbox/cluster"
	"github.com/cilium-tls-intercept/sandbox/sandbox/dnsanswer"
)

// DefaultStartTimeout bounds the build and the containers' start.
const DefaultStartTimeout = 5 * time.Minute

// Label marks the containers and images the fake upstream creates; its
// value is "container" or "image".
const Label = "cilium-tls-intercept.fake-upstream"

// NameLabel on a container holds the host name it answers for.
const NameLabel = Label + ".name"

// readyLog is what cmd/fake-upstream logs once it listens.
const readyLog = "fake-upstream listening on"

// Options configure Start.
type Options struct {
	// Source is the directory of cmd/fake-upstream, which the go command
	// builds on the host into a static binary for the image.
	Source string
	// Go is the go command; "go" from PATH when empty.
	Go string
	// Network is the Docker network to join; the kind nodes' network
	// (cluster.KindNetwork, which follows KIND_EXPERIMENTAL_DOCKER_NETWORK)
	// when empty.
	Network string
	// Names are the host names to serve: one container for each.
	Names []string
	// StartTimeout bounds build and start; DefaultStartTimeout when zero.
	StartTimeout time.Duration
	// Certs are served when set (made earlier, for example so that the CA
	// could be put in the chart values first); else NewCerts makes them.
	Certs *Certs
	// engine connects to the Docker Engine API; cluster.NewDockerClient
	// when nil (tests give a fake).
	engine func() (engine, error)
}

// engine is the part of the Docker Engine API client the fake upstream uses.
type engine interface {
	imageBuilder
	ContainerCreate(ctx context.Context, opts client.ContainerCreateOptions) (client.ContainerCreateResult, error)
	CopyToContainer(ctx context.Context, id string, opts client.CopyToContainerOptions) (client.CopyToContainerResult, error)
	ContainerStart(ctx context.Context, id string, opts client.ContainerStartOptions) (client.ContainerStartResult, error)
	ContainerLogs(ctx context.Context, id string, opts client.ContainerLogsOptions) (client.ContainerLogsResult, error)
	ContainerInspect(ctx context.Context, id string, opts client.ContainerInspectOptions) (client.ContainerInspectResult, error)
	ContainerRemove(ctx context.Context, id string, opts client.ContainerRemoveOptions) (client.ContainerRemoveResult, error)
	ContainerList(ctx context.Context, opts client.ContainerListOptions) (client.ContainerListResult, error)
	Close() error
}

// dockerEngine is the Engine API client the sandbox uses elsewhere.
func dockerEngine() (engine, error) { return cluster.NewDockerClient() }

// Server is one fake upstream container, the only one answering for Name.
type Server struct {
	// Name is the host name it serves.
	Name string
	// Addr is the container's address on the network.
	Addr netip.Addr
	// ID is the container's ID.
	ID string
}

// Upstream is the running fake upstream: one container per name, each with
// an address of its own, all from one image.
type Upstream struct {
	// Servers are the containers, one per name, in the order of the names.
	Servers []Server
	// Certs are the fake CA and the served certificate.
	Certs *Certs
	// Image is the image the containers run.
	Image  string
	docker engine
}

// Start builds the fake upstream on the host, puts it in an image from
// scratch (the build pulls nothing, so it works offline) and runs one
// container of it per name on the network, each serving a certificate for
// every name signed by a fresh fake public CA. It returns once each
// listens. It needs a Docker daemon.
//
// One container per name, because Cilium gives an identity to an address:
// names sharing one address would share one identity, selected by every
// policy that selects any of them, and the proxy redirect of one group's
// policy would then apply to another's or to a pass-through name.
func Start(ctx context.Context, opts Options) (*Upstream, error) {
	if opts.Source == "" {
		return nil, errors.New("fake upstream: no source directory (cmd/fake-upstream)")
	}
	if len(opts.Names) == 0 {
		return nil, errors.New("fake upstream: no names")
	}
	certs := opts.Certs
	if certs == nil {
		var err error
		if certs, err = NewCerts(opts.Names, time.Now()); err != nil {
			return nil, err
		}
	}
	ctx, cancel := context.WithTimeout(ctx, cmpDuration(opts.StartTimeout, DefaultStartTimeout))
	defer cancel()
	d, err := opts.newEngine()
	if err != nil {
		return nil, err
	}
	ref, err := ensureImage(ctx, d, opts.Go, opts.Source)
	if err != nil {
		d.Close()
		return nil, fmt.Errorf("start fake upstream: %w", err)
	}
	u := &Upstream{Certs: certs, Image: ref, docker: d}
	netName := opts.network()
	for _, name := range opts.Names {
		srv, err := u.run(ctx, netName, name)
		if srv.ID != "" {
			u.Servers = append(u.Servers, srv)
		}
		if err != nil {
			return nil, errors.Join(fmt.Errorf("start fake upstream for %s: %w", name, err), u.Stop(context.WithoutCancel(ctx)))
		}
	}
	return u, nil
}

// newEngine connects to the Docker Engine API.
func (o Options) newEngine() (engine, error) {
	if o.engine != nil {
		return o.engine()
	}
	return dockerEngine()
}

// network is the Docker network the containers join.
func (o Options) network() string {
	if o.Network != "" {
		return o.Network
	}
	return cluster.KindNetwork()
}

func cmpDuration(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

// Answers returns the DNS answers that send each name to its own container,
// each with HostsTTL: what CoreDNS answers in an offline run (EnsureHosts
// writes exactly these), and so what Cilium's DNS proxy learns and derives
// identities from.
func (u *Upstream) Answers() dnsanswer.Answers {
	a := dnsanswer.Answers{}
	for _, s := range u.Servers {
		// Start checked the address and the names are exact DNS names, so
		// Add cannot fail here.
		_ = a.Add(s.Name, s.Addr, HostsTTL)
	}
	return a
}

// run creates the container for name with the certificates, starts it and
// waits for it to listen. The Server it returns has an ID as soon as the
// container exists, so a failed start can still be cleaned up.
func (u *Upstream) run(ctx context.Context, networkName, name string) (Server, error) {
	srv := Server{Name: name}
	suffix := make([]byte, 3)
	if _, err := rand.Read(suffix); err != nil {
		return srv, err
	}
	created, err := u.docker.ContainerCreate(ctx, client.ContainerCreateOptions{
		Name:             "fake-upstream-" + name + "-" + hex.EncodeToString(suffix),
		Config:           &container.Config{Image: u.Image, Labels: map[string]string{Label: "container", NameLabel: name}},
		HostConfig:       &container.HostConfig{},
		NetworkingConfig: &network.NetworkingConfig{EndpointsConfig: map[string]*network.EndpointSettings{networkName: {}}},
	})
	if err != nil {
		return srv, fmt.Errorf("create container: %w", err)
	}
	srv.ID = created.ID
	files, err := certArchive(u.Certs)
	if err != nil {
		return srv, err
	}
	if _, err := u.docker.CopyToContainer(ctx, srv.ID, client.CopyToContainerOptions{DestinationPath: "/", Content: bytes.NewReader(files)}); err != nil {
		return srv, fmt.Errorf("copy certificates: %w", err)
	}
	if _, err := u.docker.ContainerStart(ctx, srv.ID, client.ContainerStartOptions{}); err != nil {
		return srv, fmt.Errorf("start container: %w", err)
	}
	if err := u.waitReady(ctx, srv.ID); err != nil {
		return srv, err
	}
	info, err := u.docker.ContainerInspect(ctx, srv.ID, client.ContainerInspectOptions{})
	if err != nil {
		return srv, fmt.Errorf("inspect container: %w", err)
	}
	if s := info.Container.NetworkSettings; s != nil {
		if n, ok := s.Networks[networkName]; ok && n != nil && n.IPAddress.IsValid() {
			srv.Addr = n.IPAddress.Unmap()
			return srv, nil
		}
	}
	return srv, fmt.Errorf("no address on Docker network %q", networkName)
}

// certArchive is the tar of certs/tls.crt and certs/tls.key copied into
// the container before it starts.
func certArchive(c *Certs) ([]byte, error) {
	return tarArchive("certs/", []tarFile{{"certs/tls.crt", 0o444, c.CertPEM}, {"certs/tls.key", 0o400, c.KeyPEM}})
}

// waitReady follows the container's log until the ready line; a container
// that exits first is an error holding its log.
func (u *Upstream) waitReady(ctx context.Context, id string) error {
	logs, err := u.docker.ContainerLogs(ctx, id, client.ContainerLogsOptions{ShowStdout: true, ShowStderr: true, Follow: true})
	if err != nil {
		return fmt.Errorf("container logs: %w", err)
	}
	defer logs.Close()
	pr, pw := io.Pipe()
	defer pr.Close() // ends the copy below when the ready line was found
	go func() { _, err := stdcopy.StdCopy(pw, pw, logs); pw.CloseWithError(err) }()
	var seen []string
	sc := bufio.NewScanner(pr)
	for sc.Scan() {
		if strings.Contains(sc.Text(), readyLog) {
			return nil
		}
		seen = append(seen, sc.Text())
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("not listening: %w; log: %s", err, strings.Join(seen, " | "))
	}
	return fmt.Errorf("container exited before listening; log: %s", strings.Join(seen, " | "))
}

// Stop removes the containers (the image is kept for the next run).
func (u *Upstream) Stop(ctx context.Context) error {
	if u == nil || u.docker == nil {
		return nil
	}
	defer u.docker.Close()
	var errs []error
	for _, s := range u.Servers {
		if _, err := u.docker.ContainerRemove(ctx, s.ID, client.ContainerRemoveOptions{Force: true}); err != nil {
			errs = append(errs, fmt.Errorf("stop fake upstream for %s: %w", s.Name, err))
		}
	}
	return errors.Join(errs...)
}
