package podexec

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/httpstream"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/remotecommand"
	utilexec "k8s.io/client-go/util/exec"
)

// Target is the container a command runs in.
type Target struct {
	Namespace string
	Pod       string
	// Container is the container's name; empty means the pod's only container.
	Container string
}

// String returns namespace/pod[/container].
func (t Target) String() string {
	s := t.Namespace + "/" + t.Pod
	if t.Container != "" {
		s += "/" + t.Container
	}
	return s
}

// Result is what running a command gave.
type Result struct {
	Stdout   []byte
	Stderr   []byte
	ExitCode int
}

// Execer runs a command in a target. A non-zero exit code is a result, not
// an error: Exec fails only when the command could not be run.
type Execer interface {
	Exec(ctx context.Context, t Target, argv []string) (Result, error)
}

// PodExecer runs commands in pods through the Kubernetes exec API, over
// WebSocket with a fallback to SPDY for older API servers.
type PodExecer struct {
	Config *rest.Config
	Client kubernetes.Interface
}

// NewPodExecer returns a PodExecer for the cluster of cfg.
func NewPodExecer(cfg *rest.Config) (*PodExecer, error) {
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("kubernetes client: %w", err)
	}
	return &PodExecer{Config: cfg, Client: cs}, nil
}

// Exec runs argv in the target container and returns its output and exit code.
func (e *PodExecer) Exec(ctx context.Context, t Target, argv []string) (Result, error) {
	req := e.Client.CoreV1().RESTClient().Post().
		Resource("pods").Namespace(t.Namespace).Name(t.Pod).SubResource("exec").
		VersionedParams(&corev1.PodExecOptions{
			Container: t.Container,
			Command:   argv,
			Stdout:    true,
			Stderr:    true,
		}, scheme.ParameterCodec)
	ws, err := remotecommand.NewWebSocketExecutor(e.Config, "GET", req.URL().String())
	if err != nil {
		return Result{}, fmt.Errorf("websocket executor: %w", err)
	}
	spdy, err := remotecommand.NewSPDYExecutor(e.Config, "POST", req.URL())
	if err != nil {
		return Result{}, fmt.Errorf("spdy executor: %w", err)
	}
	ex, err := remotecommand.NewFallbackExecutor(ws, spdy, func(err error) bool {
		return httpstream.IsUpgradeFailure(err) || httpstream.IsHTTPSProxyError(err)
	})
	if err != nil {
		return Result{}, fmt.Errorf("exec executor: %w", err)
	}
	var stdout, stderr bytes.Buffer
	err = ex.StreamWithContext(ctx, remotecommand.StreamOptions{Stdout: &stdout, Stderr: &stderr})
	return execResult(t, stdout.Bytes(), stderr.Bytes(), err)
}

// execResult turns the outcome of a stream into a Result: a command
// that exited non-zero is a result with its exit code; anything else that
// went wrong is an error holding the command's error output.
func execResult(t Target, stdout, stderr []byte, err error) (Result, error) {
	res := Result{Stdout: stdout, Stderr: stderr}
	var exitErr utilexec.ExitError
	switch {
	case err == nil:
		return res, nil
	case errors.As(err, &exitErr):
		res.ExitCode = exitErr.ExitStatus()
		return res, nil
	default:
		return res, fmt.Errorf("exec in %s: %w (stderr %q)", t, err, clip(res.Stderr))
	}
}

// clip shortens command output kept in an error.
func clip(b []byte) string {
	const max = 2048
	if len(b) > max {
		return string(b[:max]) + "..."
	}
	return string(b)
}
