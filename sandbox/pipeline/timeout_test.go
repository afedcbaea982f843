package pipeline

import (
	"strings"
	"testing"
	"time"

	"github.com/cilium-tls-intercept/sandbox/sandbox/versions"
)

// TestTimeout: Options.Timeout replaces every wait's own default; zero keeps
// them; a negative one is refused before anything starts.
func TestTimeout(t *testing.T) {
	r, err := resolve(Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := r.timeout(WorkloadTimeout); got != WorkloadTimeout {
		t.Errorf("zero Timeout: %s, want the default %s", got, WorkloadTimeout)
	}
	if r, err = resolve(Options{Timeout: 90 * time.Second}); err != nil {
		t.Fatal(err)
	}
	if got := r.timeout(HelmTimeout); got != 90*time.Second {
		t.Errorf("Timeout 90s: %s", got)
	}
	if _, err := resolve(Options{Timeout: -time.Second}); err == nil || !strings.Contains(err.Error(), "invalid timeout -1s") {
		t.Errorf("negative Timeout: %v, want it refused", err)
	}
}

// TestPairingNote: a node image of another Kubernetes minor than the one
// Cilium's kind CI runs the release on, or one whose tag names none, gets
// a note; the paired minor gets none.
func TestPairingNote(t *testing.T) {
	for ref, want := range map[string]string{
		"kindest/node:v1.33.1": "",
		"kindest/node:v1.36.4": "Kubernetes v1.36.4 with Cilium 1.18",
		"example.com/node:dev": "the image's tag names no Kubernetes version; Cilium 1.18",
	} {
		r, err := resolve(Options{Cilium: versions.MustParseCilium("1.18"), NodeImage: ref})
		if err != nil {
			t.Fatal(err)
		}
		if got := r.nodeImage.Note; want == "" && got != "" || !strings.Contains(got, want) {
			t.Errorf("%s: note %q, want %q", ref, got, want)
		}
	}
}
