package pipeline

import (
	"context"
	"errors"
	"fmt"

	"helm.sh/helm/v3/pkg/chart"
	"sigs.k8s.io/yaml"

	"github.com/cilium-tls-intercept/sandbox/sandbox/certmanager"
	"github.com/cilium-tls-intercept/sandbox/sandbox/cilium"
	"github.com/cilium-tls-intercept/sandbox/sandbox/images"
	"github.com/cilium-tls-intercept/sandbox/sandbox/intercept"
	"github.com/cilium-tls-intercept/sandbox/sandbox/release"
	"github.com/cilium-tls-intercept/sandbox/sandbox/versions"
)

// EmbeddedRepo is the Repo of charts built into the sandbox binary.
const EmbeddedRepo = "embedded"

// Plan is what Up would create, computed without Docker or a cluster.
type Plan struct {
	ClusterName    string             `json:"clusterName"`
	KubeconfigPath string             `json:"kubeconfigPath"`
	CiliumVersion  string             `json:"ciliumVersion"`
	NodeImage      versions.NodeImage `json:"nodeImage"`
	// KindConfig is the kind configuration passed to kind, as YAML.
	KindConfig string `json:"kindConfig"`
	// Releases are the Helm releases, in install order.
	Releases []ReleasePlan `json:"releases"`
	// Images are the images the releases run, loaded into the nodes.
	Images []string `json:"images"`
	// Notes say what could not be known offline, and why.
	Notes []string `json:"notes,omitempty"`
	// KnownBugs warn about the known bugs of the Cilium release in what up
	// installs (versions.InstallWarningTexts), each with the release that
	// fixes it and any workaround.
	KnownBugs []string `json:"knownBugs,omitempty"`
}

// ReleasePlan is one Helm release of the sandbox.
type ReleasePlan struct {
	Release   string         `json:"release"`
	Namespace string         `json:"namespace"`
	Source    release.Source `json:"source"`
	Values    map[string]any `json:"values"`
	// Images are the images its rendered manifests run (empty when its
	// chart was not available offline).
	Images []string `json:"images"`
}

// BuildPlan returns what Up would do with opts, touching neither Docker nor
// a cluster nor the network: Cilium's images come from the data pinned for
// its release (ciliumImages), the other charts from the chart cache or the
// Go module cache (go.mod's cert-manager and trust-manager); a chart in
// neither leaves its images out, with a note.
func BuildPlan(ctx context.Context, opts Options) (*Plan, error) {
	r, err := resolve(opts)
	if err != nil {
		return nil, err
	}
	releases, err := releasesFor(r)
	if err != nil {
		return nil, err
	}
	kindYAML, err := yaml.Marshal(r.kindConfig)
	if err != nil {
		return nil, fmt.Errorf("kind config: %w", err)
	}
	p := &Plan{
		ClusterName: r.ClusterName, KubeconfigPath: r.KubeconfigPath, CiliumVersion: r.cilium.String(),
		NodeImage: r.nodeImage, KindConfig: string(kindYAML), Releases: releases,
		KnownBugs: versions.InstallWarningTexts(r.cilium),
	}
	offline := func(s release.Source) (*chart.Chart, error) {
		c, _, err := release.LoadOffline(s, r.ChartCacheDir)
		return c, err
	}
	for i := range p.Releases {
		p.Releases[i].Images = []string{}
		if p.Releases[i].Release == cilium.ReleaseName {
			note, err := ciliumImages(ctx, r, &p.Releases[i])
			if err != nil {
				return nil, err
			}
			p.Notes = append(p.Notes, note)
			continue
		}
		err := renderImages(ctx, r, &p.Releases[i], offline)
		if errors.Is(err, release.ErrChartUnavailable) {
			p.Notes = append(p.Notes, fmt.Sprintf("images of %s are not listed: chart %s %s is neither in %s nor in the Go module cache; `sandbox up` downloads it",
				p.Releases[i].Release, p.Releases[i].Source.Name, p.Releases[i].Source.Version, r.ChartCacheDir))
			continue
		}
		if err != nil {
			return nil, err
		}
	}
	p.Images = allImages(p.Releases)
	if p.Images == nil {
		p.Images = []string{}
	}
	return p, nil
}

// releasesFor lists the sandbox's releases with their values, in install order.
func releasesFor(r *resolved) ([]ReleasePlan, error) {
	chartValues, err := intercept.MergeValues(intercept.RenderOptions{Values: r.ChartValues, Cilium: r.cilium})
	if err != nil {
		return nil, err
	}
	ic, err := intercept.Chart()
	if err != nil {
		return nil, err
	}
	return []ReleasePlan{
		{Release: cilium.ReleaseName, Namespace: cilium.Namespace, Source: cilium.Chart(r.cilium),
			Values: cilium.Values(r.cilium, cilium.ValuesInput{ClusterName: r.ClusterName, RedactHeaders: intercept.SecretHeaderNames(chartValues)})},
		{Release: certmanager.CertManagerRelease, Namespace: certmanager.Namespace, Source: certmanager.CertManagerChart(),
			Values: certmanager.CertManagerValues()},
		{Release: certmanager.TrustManagerRelease, Namespace: certmanager.Namespace, Source: certmanager.TrustManagerChart(),
			Values: certmanager.TrustManagerValues(upstreamTrustSecret(chartValues))},
		{Release: intercept.DefaultReleaseName, Namespace: intercept.DefaultNamespace,
			Source: release.Source{Name: ic.Name(), Repo: EmbeddedRepo, Version: ic.Metadata.Version},
			Values: chartValues},
	}, nil
}

// upstreamTrustSecret is the chart's upstreamTrust.secretName after the
// user's values: the one Secret trust-manager may write.
func upstreamTrustSecret(vals map[string]any) string {
	if ut, ok := vals["upstreamTrust"].(map[string]any); ok {
		if s, ok := ut["secretName"].(string); ok && s != "" {
			return s
		}
	}
	return certmanager.UpstreamTrustSecret
}

// chartLoader returns a release's chart.
type chartLoader func(release.Source) (*chart.Chart, error)

// renderImages renders rp's chart and records the images it runs.
func renderImages(ctx context.Context, r *resolved, rp *ReleasePlan, load chartLoader) error {
	var out *release.Rendered
	if rp.Source.Repo == EmbeddedRepo {
		// Through intercept.Render, so refused values read as they do for
		// `sandbox render` and up (key, value and what is wrong).
		rendered, err := intercept.Render(ctx, intercept.RenderOptions{Values: rp.Values,
			ReleaseName: rp.Release, Namespace: rp.Namespace, KubeVersion: r.nodeImage.Kubernetes})
		if err != nil {
			return err
		}
		out = rendered
	} else {
		c, err := load(rp.Source)
		if err != nil {
			return err
		}
		out, err = release.Render(ctx, release.RenderInput{
			Chart: c, ReleaseName: rp.Release, Namespace: rp.Namespace, Values: rp.Values,
			KubeVersion: r.nodeImage.Kubernetes,
			APIVersions: []string{"cilium.io/v2", "cert-manager.io/v1", "trust.cert-manager.io/v1alpha1"},
		})
		if err != nil {
			return fmt.Errorf("release %s: %w", rp.Release, err)
		}
	}
	objs, err := out.Objects()
	if err != nil {
		return fmt.Errorf("release %s: %w", rp.Release, err)
	}
	rp.Images = images.FromObjects(objs)
	return nil
}

// allImages is every release's images, each once, in release order.
func allImages(releases []ReleasePlan) []string {
	seen := map[string]bool{}
	var out []string
	for _, rp := range releases {
		for _, img := range rp.Images {
			if !seen[img] {
				seen[img] = true
				out = append(out, img)
			}
		}
	}
	return out
}
