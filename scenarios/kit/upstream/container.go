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
	"strings"
	"time"

	"github.com/moby/moby/api/pkg/stdcopy"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/network"
	"github.com/moby/moby/client"

	"github.com/cilium-tls-intercept/sandbox/sandbox/cluster"
)

// DefaultNetwork is kind's Docker network, where the cluster's nodes live.
const DefaultNetwork = "kind"

// DefaultStartTimeout bounds the build and the container start.
const DefaultStartTimeout = 5 * time.Minute

// Label marks the containers and images the fake upstream creates.
const Label = "cilium-tls-intercept.fake-upstream"

// readyLog is what cmd/fake-upstream logs once it listens.
const readyLog = "fake-upstream listening on"

// Options configure Start.
type Options struct {
	// Source is the directory of cmd/fake-upstream, which the go command
	// builds on the host into a static binary for the image.
	Source string
	// Go is the go command; "go" from PATH when empty.
	Go string
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
	Names []string
	// Image is the image the container runs.
	Image  string
	docker *client.Client
	id     string
}

// Start builds the fake upstream on the host, puts it in an image from
// scratch (the build pulls nothing, so it works offline), runs it on the
// network with a certificate for every name signed by a fresh fake public
// CA, and returns its address once it listens. It needs a Docker daemon.
func Start(ctx context.Context, opts Options) (*Upstream, error) {
	if opts.Source == "" {
		return nil, errors.New("fake upstream: no source directory (cmd/fake-upstream)")
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
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	d, err := cluster.NewDockerClient()
	if err != nil {
		return nil, err
	}
	ref, err := ensureImage(ctx, d, opts.Go, opts.Source)
	if err != nil {
		d.Close()
		return nil, fmt.Errorf("start fake upstream: %w", err)
	}
	u := &Upstream{Certs: certs, Names: opts.Names, Image: ref, docker: d}
	if err := u.run(ctx, network); err != nil {
		return nil, errors.Join(fmt.Errorf("start fake upstream: %w", err), u.Stop(context.WithoutCancel(ctx)))
	}
	return u, nil
}

// run creates the container with the certificates, starts it and waits
// for it to listen.
func (u *Upstream) run(ctx context.Context, networkName string) error {
	suffix := make([]byte, 4)
	if _, err := rand.Read(suffix); err != nil {
		return err
	}
	created, err := u.docker.ContainerCreate(ctx, client.ContainerCreateOptions{
		Name:             "fake-upstream-" + hex.EncodeToString(suffix),
		Config:           &container.Config{Image: u.Image, Labels: map[string]string{Label: "container"}},
		HostConfig:       &container.HostConfig{},
		NetworkingConfig: &network.NetworkingConfig{EndpointsConfig: map[string]*network.EndpointSettings{networkName: {}}},
	})
	if err != nil {
		return fmt.Errorf("create container: %w", err)
	}
	u.id = created.ID
	files, err := certArchive(u.Certs)
	if err != nil {
		return err
	}
	if _, err := u.docker.CopyToContainer(ctx, u.id, client.CopyToContainerOptions{DestinationPath: "/", Content: bytes.NewReader(files)}); err != nil {
		return fmt.Errorf("copy certificates: %w", err)
	}
	if _, err := u.docker.ContainerStart(ctx, u.id, client.ContainerStartOptions{}); err != nil {
		return fmt.Errorf("start container: %w", err)
	}
	if err := u.waitReady(ctx); err != nil {
		return err
	}
	info, err := u.docker.ContainerInspect(ctx, u.id, client.ContainerInspectOptions{})
	if err != nil {
		return fmt.Errorf("inspect container: %w", err)
	}
	if s := info.Container.NetworkSettings; s != nil {
		if n, ok := s.Networks[networkName]; ok && n.IPAddress.IsValid() {
			u.IP = n.IPAddress.String()
			return nil
		}
	}
	return fmt.Errorf("no address on Docker network %q", networkName)
}

// certArchive is the tar of certs/tls.crt and certs/tls.key copied into
// the container before it starts.
func certArchive(c *Certs) ([]byte, error) {
	return tarArchive("certs/", []tarFile{{"certs/tls.crt", 0o444, c.CertPEM}, {"certs/tls.key", 0o400, c.KeyPEM}})
}

// waitReady follows the container's log until the ready line; a container
// that exits first is an error holding its log.
func (u *Upstream) waitReady(ctx context.Context) error {
	logs, err := u.docker.ContainerLogs(ctx, u.id, client.ContainerLogsOptions{ShowStdout: true, ShowStderr: true, Follow: true})
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

// Stop removes the container (the image is kept for the next run).
func (u *Upstream) Stop(ctx context.Context) error {
	if u == nil || u.docker == nil {
		return nil
	}
	defer u.docker.Close()
	if u.id == "" {
		return nil
	}
	if _, err := u.docker.ContainerRemove(ctx, u.id, client.ContainerRemoveOptions{Force: true}); err != nil {
		return fmt.Errorf("stop fake upstream: %w", err)
	}
	return nil
}
