package upstream

import (
	"context"
	"errors"
	"fmt"
	"strings"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/client"
)

// RemoveLeftovers removes every fake-upstream container on the Docker host
// (labelled Label=container), running or not, and returns their names: a
// run that was killed before its teardown leaves them behind, still
// holding addresses a leftover hosts block may point at. It needs a Docker
// daemon.
func RemoveLeftovers(ctx context.Context) ([]string, error) {
	d, err := dockerEngine()
	if err != nil {
		return nil, err
	}
	defer d.Close()
	return removeLeftovers(ctx, d)
}

func removeLeftovers(ctx context.Context, d engine) ([]string, error) {
	list, err := d.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: make(client.Filters).Add("label", Label+"=container")})
	if err != nil {
		return nil, fmt.Errorf("list leftover fake upstreams: %w", err)
	}
	var removed []string
	var errs []error
	for _, c := range list.Items {
		name := strings.TrimPrefix(strings.Join(c.Names, ","), "/")
		if _, err := d.ContainerRemove(ctx, c.ID, client.ContainerRemoveOptions{Force: true}); err != nil && !cerrdefs.IsNotFound(err) {
			errs = append(errs, fmt.Errorf("remove leftover fake upstream %s: %w", name, err))
			continue
		}
		removed = append(removed, name)
	}
	return removed, errors.Join(errs...)
}
