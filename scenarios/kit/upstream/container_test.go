package upstream

import (
	"archive/tar"
	"context"
	"io"
	"net/netip"
	"path/filepath"
	"testing"
	"time"

	"github.com/cilium-tls-intercept/sandbox/sandbox/cluster"
)

func TestContainerRequest(t *testing.T) {
	certs, err := NewCerts([]string{"api.github.com"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	req := containerRequest("../../../cmd/fake-upstream", "kind", certs, time.Minute)
	if req.FromDockerfile.Context != "../../../cmd/fake-upstream" || !req.FromDockerfile.KeepImage {
		t.Errorf("build %+v", req.FromDockerfile)
	}
	if len(req.Networks) != 1 || req.Networks[0] != "kind" {
		t.Errorf("networks %v, want [kind]", req.Networks)
	}
	want := map[string]string{"/certs/tls.crt": string(certs.CertPEM), "/certs/tls.key": string(certs.KeyPEM)}
	for _, f := range req.Files {
		b, _ := io.ReadAll(f.Reader)
		if want[f.ContainerFilePath] != string(b) {
			t.Errorf("file %s does not hold the expected PEM", f.ContainerFilePath)
		}
		delete(want, f.ContainerFilePath)
	}
	if len(want) != 0 {
		t.Errorf("files missing: %v", want)
	}
	if _, err := Start(context.Background(), Options{Names: []string{"api.github.com"}}); err == nil {
		t.Error("Start without a build context succeeded")
	}
}

func TestStartLive(t *testing.T) {
	ctx := context.Background()
	if err := cluster.CheckDocker(ctx); err != nil {
		t.Skipf("needs a Docker daemon to build and run the fake upstream: %v", err)
	}
	u, err := Start(ctx, Options{BuildContext: filepath.Join("..", "..", "..", "cmd", "fake-upstream"), Network: "bridge",
		Names: []string{"api.github.com"}})
	if err != nil {
		t.Fatal(err)
	}
	defer u.Stop(ctx)
	if _, err := netip.ParseAddr(u.IP); err != nil {
		t.Errorf("address %q: %v", u.IP, err)
	}
}

// TestBuildContext lists the archive testcontainers sends to the Docker
// daemon: the Dockerfile and the program's sources, not its tests.
func TestBuildContext(t *testing.T) {
	certs, err := NewCerts([]string{"api.github.com"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	req := containerRequest(filepath.Join("..", "..", "..", "cmd", "fake-upstream"), "kind", certs, time.Minute)
	r, err := req.GetContext()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got[h.Name] = true
	}
	for _, want := range []string{"Dockerfile", "main.go", "handler.go"} {
		if !got[want] {
			t.Errorf("build context %v lacks %s", got, want)
		}
	}
	if got["main_test.go"] {
		t.Errorf("build context %v holds the tests", got)
	}
}
