package matrix

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cilium-tls-intercept/sandbox/sandbox/doctor"
)

func TestRootCauseOf(t *testing.T) {
	rep := &doctor.Report{RootCause: "secret-keys", Findings: []doctor.Finding{
		{ID: "cilium-agents", Status: doctor.StatusPass},
		{ID: "secret-keys", Status: doctor.StatusFail, Reason: "intercept-github-tls lacks tls.key", Fix: "re-issue the Certificate"},
	}}
	if got, want := RootCauseOf(rep), "secret-keys: intercept-github-tls lacks tls.key (fix: re-issue the Certificate)"; got != want {
		t.Fatalf("RootCauseOf = %q, want %q", got, want)
	}
	if got := RootCauseOf(&doctor.Report{}); got != "doctor: every check passed" {
		t.Fatalf("RootCauseOf(no failure) = %q", got)
	}
}

func TestLiveDoctorBadKubeconfig(t *testing.T) {
	kc := filepath.Join(t.TempDir(), "missing-kubeconfig")
	_, err := LiveDoctor{}.RootCause(context.Background(), DoctorInput{Kubeconfig: kc})
	if err == nil || !strings.Contains(err.Error(), "missing-kubeconfig") {
		t.Fatalf("err = %v, want it to name the kubeconfig", err)
	}
}
