package cluster

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"time"

	"github.com/moby/moby/client"
)

// ErrNoDocker means no Docker daemon answered; kind needs one.
var ErrNoDocker = errors.New("no Docker daemon reachable")

// DockerPingTimeout bounds CheckDocker, so a missing daemon is reported fast.
const DockerPingTimeout = 4 * time.Second

// NewDockerClient returns a Docker Engine API client configured from the
// environment (DOCKER_HOST, DOCKER_TLS_VERIFY, DOCKER_CERT_PATH), negotiating
// the API version with the daemon on first use; without DOCKER_HOST it
// follows the docker CLI's current context (see ContextHost), as kind does.
func NewDockerClient() (*client.Client, error) {
	opts := []client.Opt{client.FromEnv}
	home, _ := os.UserHomeDir()
	host, err := ContextHost(os.Getenv, home)
	if err != nil {
		return nil, fmt.Errorf("docker client: %w", err)
	}
	if host != "" {
		opts = append(opts, client.WithHost(host))
	}
	c, err := client.New(opts...)
	if err != nil {
		return nil, fmt.Errorf("docker client: %w", err)
	}
	return c, nil
}

// CheckDocker returns nil when a Docker daemon answers the Engine API ping,
// or an error wrapping ErrNoDocker that says what was tried. kind's library
// also runs the docker CLI, so a missing docker binary is reported too. It
// returns within DockerPingTimeout.
func CheckDocker(ctx context.Context) error {
	if _, err := exec.LookPath("docker"); err != nil {
		return fmt.Errorf("%w: the docker CLI is not on PATH (kind runs it)", ErrNoDocker)
	}
	c, err := NewDockerClient()
	if err != nil {
		return fmt.Errorf("%w: %v", ErrNoDocker, err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(ctx, DockerPingTimeout)
	defer cancel()
	if _, err := c.Ping(ctx, client.PingOptions{NegotiateAPIVersion: true}); err != nil {
		var dial *net.OpError
		if errors.As(err, &dial) {
			err = dial // the dial error, without the client's advice around it
		}
		return fmt.Errorf("%w at %s: %v (start Docker, or point DOCKER_HOST at a running daemon)", ErrNoDocker, c.DaemonHost(), err)
	}
	return nil
}
