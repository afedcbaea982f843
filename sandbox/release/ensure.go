package release

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"

	"helm.sh/helm/v3/pkg/action"
	"helm.sh/helm/v3/pkg/chart"
	helmrelease "helm.sh/helm/v3/pkg/release"
	"helm.sh/helm/v3/pkg/storage/driver"
)

// Outcome is what EnsureRelease did.
type Outcome string

// Outcomes of EnsureRelease.
const (
	// Unchanged: the deployed release already has this chart and these values.
	Unchanged Outcome = "unchanged"
	// Installed: there was no release (or only an uninstalled one).
	Installed Outcome = "installed"
	// Upgraded: the chart or the values changed, or the last revision failed.
	Upgraded Outcome = "upgraded"
	// Reinstalled: an install left pending by an interrupted run was
	// uninstalled and installed again.
	Reinstalled Outcome = "reinstalled"
	// Recovered: an upgrade or rollback left pending by an interrupted run
	// was marked failed and the upgrade run again.
	Recovered Outcome = "recovered"
)

// Changed reports whether the outcome changed the cluster.
func (o Outcome) Changed() bool { return o != Unchanged }

// EnsureInput says which release should exist.
type EnsureInput struct {
	// Config is Helm's action configuration for the release's namespace
	// (NewConfiguration for a live cluster).
	Config *action.Configuration
	// Chart is the chart to install.
	Chart *chart.Chart
	// ReleaseName and Namespace are the release's name and namespace.
	ReleaseName, Namespace string
	// Values are the user-supplied values.
	Values map[string]any
	// Timeout bounds Helm's own operations (hooks; waiting when Wait is set).
	Timeout time.Duration
	// Wait makes Helm wait for the release's resources to be ready.
	Wait bool
	// Labels are written on the release record when EnsureRelease installs
	// it (helm install --labels); an upgrade keeps the record's labels, so
	// they say who installed the release. Helm reserves name, owner, status,
	// version, createdAt and modifiedAt.
	Labels map[string]string
}

// EnsureResult is what EnsureRelease found and did.
type EnsureResult struct {
	Outcome  Outcome
	Revision int
	// Found is the status of the latest revision before EnsureRelease acted
	// ("" when there was none).
	Found helmrelease.Status
}

// Describe says what EnsureRelease did with chart name at version, for a
// step's detail: "cert-manager v1.21.2 installed, revision 1", with the
// status it found when it recovered a release.
func (r *EnsureResult) Describe(name, version string) string {
	detail := fmt.Sprintf("%s %s %s, revision %d", name, version, r.Outcome, r.Revision)
	if r.Found != "" && r.Outcome != Unchanged && r.Found != helmrelease.StatusDeployed {
		detail += fmt.Sprintf(" (found %s)", r.Found)
	}
	return detail
}

// EnsureRelease installs the release when missing, upgrades it when its
// chart or values differ from the wanted ones, and does nothing when they
// match, so a second run costs one storage read.
//
// A release left by an interrupted run is recovered:
//   - pending-install: nothing was ever deployed, so the release is
//     uninstalled and installed again;
//   - pending-upgrade or pending-rollback: the pending revision is marked
//     failed and the upgrade is run again; Helm upgrades a failed revision
//     against the last deployed one (the same remedy as Flux's helm-controller);
//   - failed: upgraded; uninstalled (history kept): installed again.
func EnsureRelease(ctx context.Context, in EnsureInput) (*EnsureResult, error) {
	if in.Config == nil || in.Chart == nil || in.ReleaseName == "" {
		return nil, errors.New("ensure release: config, chart and release name are required")
	}
	last, err := in.Config.Releases.Last(in.ReleaseName)
	if errors.Is(err, driver.ErrReleaseNotFound) {
		return install(ctx, in, "", false)
	}
	if err != nil {
		return nil, fmt.Errorf("release %s: read history: %w", in.ReleaseName, err)
	}
	found := last.Info.Status
	switch found {
	case helmrelease.StatusDeployed:
		same, err := sameRelease(last, in.Chart, in.Values)
		if err != nil {
			return nil, err
		}
		if same {
			return &EnsureResult{Outcome: Unchanged, Revision: last.Version, Found: found}, nil
		}
		return upgrade(ctx, in, found, Upgraded)
	case helmrelease.StatusPendingInstall:
		if err := uninstall(in); err != nil {
			return nil, err
		}
		res, err := install(ctx, in, found, false)
		if res != nil {
			res.Outcome = Reinstalled
		}
		return res, err
	case helmrelease.StatusPendingUpgrade, helmrelease.StatusPendingRollback:
		if err := markFailed(in.Config, last); err != nil {
			return nil, err
		}
		return upgrade(ctx, in, found, Recovered)
	case helmrelease.StatusUninstalled:
		return install(ctx, in, found, true)
	default: // failed, superseded, unknown, uninstalling
		return upgrade(ctx, in, found, Upgraded)
	}
}

func install(ctx context.Context, in EnsureInput, found helmrelease.Status, replace bool) (*EnsureResult, error) {
	a := action.NewInstall(in.Config)
	a.ReleaseName = in.ReleaseName
	a.Namespace = in.Namespace
	a.CreateNamespace = true
	a.Replace = replace
	a.Labels = in.Labels
	a.Wait = in.Wait
	a.Timeout = in.Timeout
	rel, err := a.RunWithContext(ctx, in.Chart, in.Values)
	if err != nil {
		return nil, fmt.Errorf("install release %s: %w", in.ReleaseName, err)
	}
	return &EnsureResult{Outcome: Installed, Revision: rel.Version, Found: found}, nil
}

func upgrade(ctx context.Context, in EnsureInput, found helmrelease.Status, outcome Outcome) (*EnsureResult, error) {
	a := action.NewUpgrade(in.Config)
	a.Namespace = in.Namespace
	a.Wait = in.Wait
	a.Timeout = in.Timeout
	a.MaxHistory = 10
	// The release is the chart with exactly in.Values: without this Helm
	// carries the previous revision's values over when in.Values is empty,
	// so values the user dropped stay and every run upgrades again.
	a.ResetValues = true
	rel, err := a.RunWithContext(ctx, in.ReleaseName, in.Chart, in.Values)
	if err != nil {
		return nil, fmt.Errorf("upgrade release %s (was %s): %w", in.ReleaseName, found, err)
	}
	return &EnsureResult{Outcome: outcome, Revision: rel.Version, Found: found}, nil
}

func uninstall(in EnsureInput) error {
	a := action.NewUninstall(in.Config)
	a.Timeout = in.Timeout
	if _, err := a.Run(in.ReleaseName); err != nil {
		return fmt.Errorf("uninstall release %s left pending-install: %w", in.ReleaseName, err)
	}
	return nil
}

func markFailed(cfg *action.Configuration, rel *helmrelease.Release) error {
	rel.Info.Description = fmt.Sprintf("marked failed by the sandbox: %s was interrupted", rel.Info.Status)
	rel.Info.Status = helmrelease.StatusFailed
	if err := cfg.Releases.Update(rel); err != nil {
		return fmt.Errorf("mark release %s revision %d failed: %w", rel.Name, rel.Version, err)
	}
	return nil
}

// sameRelease reports whether rel was made from the same chart (name,
// version, templates, default values, files) with the same values.
func sameRelease(rel *helmrelease.Release, c *chart.Chart, values map[string]any) (bool, error) {
	a, err := ChartDigest(rel.Chart, rel.Config)
	if err != nil {
		return false, err
	}
	b, err := ChartDigest(c, values)
	if err != nil {
		return false, err
	}
	return a == b, nil
}

// ChartDigest is a sha256 over what decides a release's content and what
// Helm keeps of a chart in its release record: the chart's name and version,
// its declared dependencies, templates, files, schema, default values, and
// the user-supplied values. (Loaded subcharts are not in the record, so
// they are not hashed; their name and version are, through Chart.yaml.)
// Maps are hashed through their JSON encoding, so key order and nil versus
// empty do not matter.
func ChartDigest(c *chart.Chart, values map[string]any) (string, error) {
	if c == nil || c.Metadata == nil {
		return "", errors.New("chart digest: chart without metadata")
	}
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00", c.Metadata.Name, c.Metadata.Version)
	for _, d := range c.Metadata.Dependencies {
		fmt.Fprintf(h, "dep\x00%s\x00%s\x00%s\x00", d.Name, d.Version, d.Repository)
	}
	files := append(append([]*chart.File{}, c.Templates...), c.Files...)
	sort.Slice(files, func(i, j int) bool { return files[i].Name < files[j].Name })
	for _, f := range files {
		fmt.Fprintf(h, "%s\x00%d\x00", f.Name, len(f.Data))
		h.Write(f.Data)
	}
	fmt.Fprintf(h, "schema\x00%d\x00", len(c.Schema))
	h.Write(c.Schema)
	for _, m := range []map[string]any{c.Values, values} {
		if len(m) == 0 {
			m = nil
		}
		b, err := json.Marshal(m)
		if err != nil {
			return "", fmt.Errorf("chart digest: %w", err)
		}
		h.Write(b)
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
