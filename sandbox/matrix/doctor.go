package matrix

import (
	"context"
	"fmt"

	"github.com/cilium-tls-intercept/sandbox/sandbox/doctor"
)

// DoctorInput says which cluster to diagnose and where to keep the report.
type DoctorInput struct {
	Kubeconfig string
	// ArtifactsDir receives doctor.txt and doctor.json when set.
	ArtifactsDir string
}

// Doctor names the root cause when interception is not working on a
// combination's cluster.
type Doctor interface {
	RootCause(ctx context.Context, in DoctorInput) (string, error)
}

// DoctorFunc adapts a function to Doctor.
type DoctorFunc func(ctx context.Context, in DoctorInput) (string, error)

// RootCause calls f.
func (f DoctorFunc) RootCause(ctx context.Context, in DoctorInput) (string, error) { return f(ctx, in) }

// LiveDoctor runs sandbox/doctor against the cluster and writes its
// report next to the scenarios' artifacts.
type LiveDoctor struct{}

// RootCause runs the doctor's checks on the cluster behind in.Kubeconfig.
func (LiveDoctor) RootCause(ctx context.Context, in DoctorInput) (string, error) {
	src, err := doctor.NewLiveSource(in.Kubeconfig)
	if err != nil {
		return "", err
	}
	var rep *doctor.Report
	if in.ArtifactsDir != "" {
		rep, err = doctor.WriteReport(ctx, in.ArtifactsDir, src, doctor.Options{})
	} else {
		rep, err = doctor.Run(ctx, src, doctor.Options{})
	}
	if err != nil {
		return "", err
	}
	return RootCauseOf(rep), nil
}

// RootCauseOf is the one-line root cause of a doctor report: the first
// failed check's ID, reason and fix.
func RootCauseOf(rep *doctor.Report) string {
	f := rep.Cause()
	if f == nil {
		return "doctor: every check passed"
	}
	s := fmt.Sprintf("%s: %s", f.ID, f.Reason)
	if f.Fix != "" {
		s += " (fix: " + f.Fix + ")"
	}
	return s
}
