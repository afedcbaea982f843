package app

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/types/build"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"
	"helm.sh/helm/v3/pkg/chartutil"

	"github.com/cilium-tls-intercept/sandbox/sandbox/certmanager"
	"github.com/cilium-tls-intercept/sandbox/sandbox/cilium"
	"github.com/cilium-tls-intercept/sandbox/sandbox/cluster"
	"github.com/cilium-tls-intercept/sandbox/sandbox/release"
	"github.com/cilium-tls-intercept/sandbox/sandbox/versions"
)

// The tests in this file run the sandbox command against a real Docker
// daemon. They need no registry and no internet: each makes `up` fail at
// the first step that needs one (or a privileged container) and checks
// that the failure is one line naming it, with exit code 1, and that no
// container, network or kubeconfig entry is left behind.

// dockerClient skips the test without a Docker daemon and returns a client.
func dockerClient(t *testing.T) *client.Client {
	t.Helper()
	if err := cluster.CheckDocker(context.Background()); err != nil {
		t.Skipf("needs a Docker daemon (no registry needed): %v", err)
	}
	d, err := cluster.NewDockerClient()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

// uniqueName is prefix followed by random hex digits.
func uniqueName(prefix string) string {
	b := make([]byte, 4)
	rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// leftovers lists what a failed up may have left of cluster name: its
// node containers, kind's network when it did not exist before, and its
// entry in the kubeconfig file.
func leftovers(t *testing.T, d *client.Client, name, kubeconfig string, hadNetwork bool) []string {
	t.Helper()
	ctx := context.Background()
	var found []string
	list, err := d.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: make(client.Filters).Add("label", "io.x-k8s.kind.cluster="+name)})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range list.Items {
		found = append(found, "container "+strings.Join(c.Names, ","))
	}
	if !hadNetwork && networkExists(t, d, "kind") {
		found = append(found, "Docker network kind")
	}
	if b, err := os.ReadFile(kubeconfig); err == nil && strings.Contains(string(b), "kind-"+name) {
		found = append(found, "kubeconfig entry kind-"+name)
	}
	return found
}

func networkExists(t *testing.T, d *client.Client, name string) bool {
	t.Helper()
	_, err := d.NetworkInspect(context.Background(), name, client.NetworkInspectOptions{})
	if err != nil && !cerrdefs.IsNotFound(err) {
		t.Fatal(err)
	}
	return err == nil
}

// upFails runs up with args and checks exit code 1 and a single error
// line that contains want; it returns that line.
func upFails(t *testing.T, want string, args ...string) string {
	t.Helper()
	code, _, errOut := run(append([]string{"up"}, args...)...)
	var errLines []string
	for _, l := range strings.Split(errOut, "\n") {
		if strings.HasPrefix(l, "Error: ") {
			errLines = append(errLines, l)
		}
	}
	if code != ExitFailed || len(errLines) != 1 || !strings.Contains(errLines[0], want) {
		t.Fatalf("exit %d, stderr:\n%s\nwant exit 1 and one error line containing %q", code, errOut, want)
	}
	t.Logf("up printed:\n%s", errOut)
	return errLines[0]
}

// TestUpWithoutRegistry: against a real daemon, with a node image that no
// registry serves, preflight passes and up stops at the first step that
// needs the internet, saying so, and leaves nothing behind: with an empty
// chart cache the chart download (or the node image pull, on a machine
// that reaches the chart repository), with the charts cached the pull.
func TestUpWithoutRegistry(t *testing.T) {
	d := dockerClient(t)
	cases := []struct {
		name  string
		cache func(t *testing.T) string
		want  []string // the error line starts with one of these
	}{
		{"empty chart cache", func(t *testing.T) string { return t.TempDir() }, []string{"Error: charts: download chart ", "Error: cluster: pull "}},
		{"charts cached", chartCacheFromModules, []string{"Error: cluster: pull registry.invalid/kindest/node:v1.36.4: no internet access"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cache := c.cache(t)
			name := uniqueName("sbx-test-")
			kc := filepath.Join(t.TempDir(), "kubeconfig")
			hadNetwork := networkExists(t, d, "kind")
			// .invalid never resolves (RFC 2606), so no machine pulls it.
			line := upFails(t, "no internet access", "--cluster-name", name, "--kubeconfig", kc, "--chart-cache", cache,
				"--node-image", "registry.invalid/kindest/node:v1.36.4")
			if !slices.ContainsFunc(c.want, func(w string) bool { return strings.HasPrefix(line, w) }) {
				t.Errorf("error line %q starts with none of %q", line, c.want)
			}
			if got := leftovers(t, d, name, kc, hadNetwork); len(got) > 0 {
				t.Errorf("up left behind %v", got)
			}
		})
	}
}

// TestUpWithoutPrivilegedContainers gets past the internet: the charts
// are put in the chart cache from the Go module cache, and the node image
// is an image built FROM scratch on the daemon. kind then asks the daemon
// for privileged node containers. Where the daemon refuses them (a
// container whose capability bounding set is limited), up names that; a
// daemon that allows them starts no node from that image either. Either
// way the cluster step fails alone and leaves nothing behind.
func TestUpWithoutPrivilegedContainers(t *testing.T) {
	d := dockerClient(t)
	cache := chartCacheFromModules(t)
	image := scratchImage(t, d)
	name := uniqueName("sbx-test-")
	kc := filepath.Join(t.TempDir(), "kubeconfig")
	hadNetwork := networkExists(t, d, "kind")
	want := "Error: cluster: "
	if refusesPrivileged(t, d, image) {
		want += "create kind cluster " + `"` + name + `"` + ": the Docker daemon refuses privileged containers, which kind's nodes are"
	}
	upFails(t, want, "--cluster-name", name, "--kubeconfig", kc, "--chart-cache", cache, "--node-image", image)
	if got := leftovers(t, d, name, kc, hadNetwork); len(got) > 0 {
		t.Errorf("up left behind %v", got)
	}
}

// TestDownWithoutCluster: down of a cluster that does not exist says that
// there was nothing to delete.
func TestDownWithoutCluster(t *testing.T) {
	dockerClient(t)
	name := uniqueName("sbx-test-")
	code, out, errOut := run("down", "--cluster-name", name, "--kubeconfig", filepath.Join(t.TempDir(), "kc"))
	if code != ExitOK || out != "nothing to delete: no kind cluster \""+name+"\"\n" {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}

// chartCacheFromModules writes the charts of the default Cilium release,
// cert-manager and trust-manager from the Go module cache into a new chart
// cache, as `up` would have downloaded them.
func chartCacheFromModules(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	v := versions.MustParseCilium(versions.DefaultCilium)
	for _, src := range []release.Source{cilium.Chart(v), certmanager.CertManagerChart(), certmanager.TrustManagerChart()} {
		c, _, err := release.LoadOffline(src, t.TempDir())
		if err != nil {
			t.Skipf("needs the %s chart in the Go module cache (go mod download): %v", src.Name, err)
		}
		saved, err := chartutil.Save(c, dir)
		if err != nil {
			t.Fatal(err)
		}
		if saved != src.CacheFile(dir) {
			t.Fatalf("chart saved as %s, want %s", saved, src.CacheFile(dir))
		}
	}
	return dir
}

// scratchImage builds an image FROM scratch holding one file (no pull) and
// removes it when the test ends.
func scratchImage(t *testing.T, d *client.Client) string {
	t.Helper()
	ref := uniqueName("cilium-tls-intercept-test/not-a-node:v1.36.4-")
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	// An entrypoint, so that the daemon creates the container and fails
	// only when it starts it (a kind node image has one too).
	dockerfile := "FROM scratch\nCOPY marker /marker\nENTRYPOINT [\"/marker\"]\n"
	for name, body := range map[string]string{"Dockerfile": dockerfile, "marker": "not a kind node\n"} {
		tw.WriteHeader(&tar.Header{Name: name, Mode: 0o755, Size: int64(len(body)), Typeflag: tar.TypeReg})
		tw.Write([]byte(body))
	}
	tw.Close()
	ctx := context.Background()
	res, err := d.ImageBuild(ctx, &buf, client.ImageBuildOptions{Tags: []string{ref}, Remove: true, Version: build.BuilderV1})
	if err != nil {
		t.Fatal(err)
	}
	out, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if bytes.Contains(out, []byte(`"error"`)) {
		t.Fatalf("build %s: %s", ref, out)
	}
	t.Cleanup(func() { d.ImageRemove(context.Background(), ref, client.ImageRemoveOptions{Force: true}) })
	return ref
}

// refusesPrivileged tries to start a privileged container of image and
// tells whether the daemon refused it (a machine whose capability bounding
// set lacks some capability cannot give a container all of them).
func refusesPrivileged(t *testing.T, d *client.Client, image string) bool {
	t.Helper()
	ctx := context.Background()
	c, err := d.ContainerCreate(ctx, client.ContainerCreateOptions{
		Config:     &container.Config{Image: image},
		HostConfig: &container.HostConfig{Privileged: true},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer d.ContainerRemove(ctx, c.ID, client.ContainerRemoveOptions{Force: true})
	_, err = d.ContainerStart(ctx, c.ID, client.ContainerStartOptions{})
	refused := err != nil && strings.Contains(err.Error(), "operation not permitted")
	t.Logf("a privileged container on this daemon: %v", err)
	return refused
}
