package images

import (
	"bytes"
	"context"
	"errors"
	"io"
	"iter"
	"os"
	"strings"
	"testing"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/types/image"
	"github.com/moby/moby/api/types/jsonstream"
	"github.com/moby/moby/client"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"sigs.k8s.io/kind/pkg/exec"
)

// fakeNode is a kind node whose commands are answered in memory.
type fakeNode struct {
	name     string
	crictl   string   // `crictl images -o json` output
	imported [][]byte // archives given to ctr import
	tagged   []string // "source -> target" of ctr images tag
}

func (n *fakeNode) String() string              { return n.name }
func (n *fakeNode) Role() (string, error)       { return "worker", nil }
func (n *fakeNode) IP() (string, string, error) { return "172.18.0.2", "", nil }
func (n *fakeNode) SerialLogs(io.Writer) error  { return nil }
func (n *fakeNode) Command(c string, args ...string) exec.Cmd {
	return &fakeCmd{node: n, args: append([]string{c}, args...)}
}
func (n *fakeNode) CommandContext(_ context.Context, c string, args ...string) exec.Cmd {
	return n.Command(c, args...)
}

type fakeCmd struct {
	node   *fakeNode
	args   []string
	stdin  io.Reader
	stdout io.Writer
}

func (c *fakeCmd) SetEnv(...string) exec.Cmd      { return c }
func (c *fakeCmd) SetStdin(r io.Reader) exec.Cmd  { c.stdin = r; return c }
func (c *fakeCmd) SetStdout(w io.Writer) exec.Cmd { c.stdout = w; return c }
func (c *fakeCmd) SetStderr(io.Writer) exec.Cmd   { return c }
func (c *fakeCmd) write(s string) {
	if c.stdout != nil {
		io.WriteString(c.stdout, s)
	}
}

func (c *fakeCmd) Run() error {
	line := strings.Join(c.args, " ")
	switch {
	case line == "crictl images -o json":
		c.write(c.node.crictl)
	case line == "containerd config dump":
		c.write("version = 3\n[plugins.'io.containerd.cri.v1.images']\n  snapshotter = 'overlayfs'\n")
	case strings.HasPrefix(line, "ctr --namespace=k8s.io images import"):
		b, _ := io.ReadAll(c.stdin)
		c.node.imported = append(c.node.imported, b)
	case strings.HasPrefix(line, "ctr --namespace=k8s.io images tag --force "):
		f := strings.Fields(line)
		c.node.tagged = append(c.node.tagged, f[len(f)-2]+" -> "+f[len(f)-1])
	default:
		return errors.New("unexpected command: " + line)
	}
	return nil
}

// fakeDocker is a Docker host holding some images.
// TestMain points DOCKER_CONFIG at an empty directory, so a pull in a test
// never reads the credentials (or runs the credential helper) of the
// machine's docker CLI; tests that want a config set their own.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "images-docker-config-")
	if err != nil {
		panic(err)
	}
	os.Setenv("DOCKER_CONFIG", dir)
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

type fakeDocker struct {
	host   map[string]bool
	pulled []string
	// auth is the X-Registry-Auth each pull sent, by reference.
	auth  map[string]string
	tags  []string
	saved []string
	// containerdStore makes the host keep images in containerd: inspect
	// returns a descriptor and the host's platform.
	containerdStore bool
	// saveOpts counts the options of each ImageSave call.
	saveOpts []int
}

func (d *fakeDocker) ImageInspect(_ context.Context, ref string, _ ...client.ImageInspectOption) (client.ImageInspectResult, error) {
	if d.host[ref] {
		if d.containerdStore {
			return client.ImageInspectResult{InspectResponse: image.InspectResponse{
				Os: "linux", Architecture: "arm64", Variant: "v8", Descriptor: &ocispec.Descriptor{}}}, nil
		}
		return client.ImageInspectResult{}, nil
	}
	return client.ImageInspectResult{}, cerrdefs.ErrNotFound
}

func (d *fakeDocker) ImagePull(_ context.Context, ref string, o client.ImagePullOptions) (client.ImagePullResponse, error) {
	d.pulled = append(d.pulled, ref)
	if d.auth == nil {
		d.auth = map[string]string{}
	}
	d.auth[ref] = o.RegistryAuth
	img, err := Parse(ref)
	if err != nil {
		return nil, err
	}
	d.host[hostRef(img)] = true // Docker knows a pinned pull by its digest
	return pullResponse{io.NopCloser(strings.NewReader(""))}, nil
}

func (d *fakeDocker) ImageTag(_ context.Context, o client.ImageTagOptions) (client.ImageTagResult, error) {
	d.tags = append(d.tags, o.Source+" -> "+o.Target)
	return client.ImageTagResult{}, nil
}

func (d *fakeDocker) ImageSave(_ context.Context, refs []string, opts ...client.ImageSaveOption) (client.ImageSaveResult, error) {
	d.saved = append(d.saved, refs...)
	d.saveOpts = append(d.saveOpts, len(opts))
	return io.NopCloser(bytes.NewBufferString("archive of " + strings.Join(refs, ","))), nil
}

type pullResponse struct{ io.ReadCloser }

func (pullResponse) Wait(context.Context) error { return nil }
func (pullResponse) JSONMessages(context.Context) iter.Seq2[jsonstream.Message, error] {
	return func(func(jsonstream.Message, error) bool) {}
}
