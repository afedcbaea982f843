package upstream

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cilium-tls-intercept/sandbox/sandbox/podexec"
	"github.com/cilium-tls-intercept/sandbox/scenarios/kit/probe"
)

// TestFakeUpstreamProgram builds cmd/fake-upstream, runs it with certificates
// from NewCerts as the container does, and requests every test name with the
// real curl through the probe: each answer is the fake public chain (not an
// interception) and the program's JSON. Only Docker and DNS are left out.
func TestFakeUpstreamProgram(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("needs curl on PATH")
	}
	names := []string{"api.github.com", "sts.amazonaws.com", "example.com"}
	certs, err := NewCerts(names, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for name, data := range map[string][]byte{"tls.crt": certs.CertPEM, "tls.key": certs.KeyPEM} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	addr := startProgram(t, dir)
	port := addr[strings.LastIndex(addr, ":")+1:]
	fakeCA, err := probe.PoolFromPEM(certs.CAPEM)
	if err != nil {
		t.Fatal(err)
	}
	sandboxCA, _ := probe.PoolFromPEM(newOtherCA(t))
	p := probe.Prober{Exec: hostExecer{}, SandboxCA: sandboxCA}
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			res, err := p.Probe(context.Background(), probe.Request{URL: "https://" + name + ":" + port + "/meta",
				Resolve: []string{name + ":" + port + ":127.0.0.1"}, MaxTime: 5 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			if err := res.Expect(probe.PublicChain); err != nil {
				t.Fatal(err)
			}
			if err := res.VerifyAgainst(fakeCA, time.Now()); err != nil {
				t.Errorf("not the fake public chain: %v", err)
			}
			if res.HTTPCode != 200 || !strings.Contains(res.Body, `"fake_upstream":true`) {
				t.Errorf("http %d body %q", res.HTTPCode, res.Body)
			}
		})
	}
}

// startProgram builds and starts cmd/fake-upstream on a free local port and
// returns its address, read from its ready line.
func startProgram(t *testing.T, certDir string) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "fake-upstream")
	if out, err := exec.Command("go", "build", "-o", bin, filepath.Join("..", "..", "..", "cmd", "fake-upstream")).CombinedOutput(); err != nil {
		t.Fatalf("build fake-upstream: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, "--addr", "127.0.0.1:0",
		"--cert", filepath.Join(certDir, "tls.crt"), "--key", filepath.Join(certDir, "tls.key"))
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	sc := bufio.NewScanner(stderr)
	for sc.Scan() {
		if _, addr, ok := strings.Cut(sc.Text(), readyLog+" "); ok {
			go func() { // keep draining the log
				for sc.Scan() {
				}
			}()
			return addr
		}
	}
	t.Fatalf("fake-upstream exited without its ready line: %v", sc.Err())
	return ""
}

// newOtherCA returns a CA that is not the fake one, standing for the sandbox CA.
func newOtherCA(t *testing.T) []byte {
	t.Helper()
	c, err := NewCerts([]string{"other.example"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return c.CAPEM
}

// hostExecer runs the probe's curl on this machine.
type hostExecer struct{}

func (hostExecer) Exec(ctx context.Context, _ podexec.Target, argv []string) (podexec.Result, error) {
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	res := podexec.Result{Stdout: []byte(stdout.String()), Stderr: []byte(stderr.String())}
	if ee, ok := err.(*exec.ExitError); ok {
		res.ExitCode = ee.ExitCode()
		return res, nil
	}
	return res, err
}
