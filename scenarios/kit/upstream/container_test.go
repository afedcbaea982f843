package upstream

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"debug/elf"
	"encoding/hex"
	"encoding/pem"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/client"

	"github.com/cilium-tls-intercept/sandbox/sandbox/cluster"
)

// source is cmd/fake-upstream, relative to this package.
var source = filepath.Join("..", "..", "..", "cmd", "fake-upstream")

// tarEntries lists a tar archive's entries with their modes.
func tarEntries(t *testing.T, archive []byte) map[string]*tar.Header {
	t.Helper()
	got := map[string]*tar.Header{}
	tr := tar.NewReader(bytes.NewReader(archive))
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return got
		}
		if err != nil {
			t.Fatal(err)
		}
		got[h.Name] = h
	}
}

// TestBuildContext: the archive sent to the Engine API holds the
// Dockerfile and the binary only, and the Dockerfile starts FROM scratch,
// so building the image pulls nothing.
func TestBuildContext(t *testing.T) {
	archive, err := BuildContext([]byte("\x7fELF..."))
	if err != nil {
		t.Fatal(err)
	}
	got := tarEntries(t, archive)
	if len(got) != 2 || got["Dockerfile"] == nil || got["fake-upstream"] == nil || got["fake-upstream"].Mode != 0o755 {
		t.Fatalf("build context %v, want Dockerfile and an executable fake-upstream", got)
	}
	if n := strings.Count(dockerfile, "FROM "); n != 1 || !strings.HasPrefix(dockerfile, "FROM scratch\n") {
		t.Errorf("Dockerfile must build FROM scratch alone:\n%s", dockerfile)
	}
}

// TestBuildBinaryIsStatic builds the real program as Start does and checks
// that the result needs no dynamic loader or library (it runs FROM scratch).
func TestBuildBinaryIsStatic(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads the binary as ELF; needs linux")
	}
	out := filepath.Join(t.TempDir(), "fake-upstream")
	if err := BuildBinary(context.Background(), "", source, runtime.GOARCH, out); err != nil {
		t.Fatal(err)
	}
	f, err := elf.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Error("the binary names a dynamic loader (PT_INTERP): not static")
		}
	}
	if libs, _ := f.ImportedLibraries(); len(libs) > 0 {
		t.Errorf("the binary needs shared libraries %v", libs)
	}
}

func TestCertArchive(t *testing.T) {
	certs, err := NewCerts([]string{"api.github.com"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	archive, err := certArchive(certs)
	if err != nil {
		t.Fatal(err)
	}
	got := tarEntries(t, archive)
	if h := got["certs/tls.crt"]; h == nil || h.Mode != 0o444 || h.Size != int64(len(certs.CertPEM)) {
		t.Errorf("certs/tls.crt: %+v", h)
	}
	if h := got["certs/tls.key"]; h == nil || h.Mode != 0o400 || h.Size != int64(len(certs.KeyPEM)) {
		t.Errorf("certs/tls.key: %+v", h)
	}
	if _, err := Start(context.Background(), Options{Names: []string{"api.github.com"}}); err == nil {
		t.Error("Start without a source directory succeeded")
	}
}

func TestBuildOutcome(t *testing.T) {
	ok := `{"stream":"Step 1/4 : FROM scratch\n"}` + "\n" + `{"aux":{"ID":"sha256:x"}}`
	if err := buildOutcome(strings.NewReader(ok)); err != nil {
		t.Errorf("a successful build: %v", err)
	}
	failed := `{"stream":"Step 1/4 : FROM scratch\n"}` + "\n" + `{"error":"COPY failed: no source files","errorDetail":{"message":"COPY failed"}}`
	if err := buildOutcome(strings.NewReader(failed)); err == nil || !strings.Contains(err.Error(), "COPY failed: no source files") || !strings.Contains(err.Error(), "FROM scratch") {
		t.Errorf("a failed build: %v", err)
	}
}

// testNetwork creates a Docker network of the test's own and removes it
// when the test ends.
func testNetwork(t *testing.T, d *client.Client) string {
	t.Helper()
	b := make([]byte, 4)
	rand.Read(b)
	name := "fake-upstream-test-" + hex.EncodeToString(b)
	if _, err := d.NetworkCreate(context.Background(), name, client.NetworkCreateOptions{Driver: "bridge", Labels: map[string]string{Label: "test"}}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if _, err := d.NetworkRemove(context.Background(), name, client.NetworkRemoveOptions{}); err != nil {
			t.Errorf("remove network %s: %v", name, err)
		}
	})
	return name
}

// TestStartLive runs the fake upstream on a real Docker daemon (the image
// is built from scratch, so no registry is needed) and checks, with Go's
// TLS client, that each name has a container of its own at its own
// address, serving a chain to the fake CA and answering /meta; after Stop
// the containers are gone.
func TestStartLive(t *testing.T) {
	ctx := context.Background()
	if err := cluster.CheckDocker(ctx); err != nil {
		t.Skipf("needs a Docker daemon to run the fake upstream (no registry needed): %v", err)
	}
	d, err := cluster.NewDockerClient()
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	names := []string{"api.github.com", "sts.amazonaws.com"}
	u, err := Start(ctx, Options{Source: source, Network: testNetwork(t, d), Names: names, StartTimeout: 2 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	stopped := false
	defer func() {
		if !stopped {
			u.Stop(ctx)
		}
	}()
	answers := u.Answers()
	if got := answers.Names(); !slices.Equal(got, []string{"api.github.com", "sts.amazonaws.com"}) || len(answers.SharedAddrs()) > 0 {
		t.Fatalf("answers %v: want each name at an address of its own", answers)
	}
	block, _ := pem.Decode(u.Certs.CAPEM)
	if block == nil {
		t.Fatal("fake CA PEM")
	}
	ca, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(ca)
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			addr := answers.Addrs(name)[0].String()
			tr := &http.Transport{
				TLSClientConfig: &tls.Config{RootCAs: roots, ServerName: name},
				DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
					return (&net.Dialer{Timeout: 10 * time.Second}).DialContext(ctx, "tcp", net.JoinHostPort(addr, "443"))
				},
			}
			defer tr.CloseIdleConnections()
			resp, err := (&http.Client{Transport: tr, Timeout: 30 * time.Second}).Get("https://" + name + "/meta")
			if err != nil {
				t.Fatalf("GET https://%s/meta at %s: %v", name, addr, err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != 200 || !strings.Contains(string(body), `"fake_upstream":true`) {
				t.Errorf("status %d, body %s", resp.StatusCode, body)
			}
			chain := resp.TLS.VerifiedChains
			if len(chain) == 0 || !chain[0][len(chain[0])-1].Equal(ca) {
				t.Errorf("served chain does not end at the fake CA")
			}
		})
	}
	servers := slices.Clone(u.Servers)
	if err := u.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	stopped = true
	for _, s := range servers {
		if _, err := d.ContainerInspect(ctx, s.ID, client.ContainerInspectOptions{}); !cerrdefs.IsNotFound(err) {
			t.Errorf("container %s of %s still there after Stop: %v", s.ID, s.Name, err)
		}
	}
}
