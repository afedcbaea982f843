package agent

import (
	"context"
	"encoding/json"
	"fmt"
	"io"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/cilium-tls-intercept/sandbox/sandbox/ciliumrun"
	"github.com/cilium-tls-intercept/sandbox/sandbox/ciliumrun/wire"
	"github.com/cilium-tls-intercept/sandbox/sandbox/dnsanswer"
	"github.com/cilium-tls-intercept/sandbox/sandbox/versions"
)

// Options say what lint --agent runs.
type Options struct {
	// Releases are the Cilium releases to run, the first the one linted
	// for, a second one compared with it (--compare).
	Releases []versions.Cilium
	// ConfigFile is a cilium-config ConfigMap; empty for each release's
	// chart rendered with the sandbox's values.
	ConfigFile string
	// Overrides are set over the configuration, key by key (the lint
	// command's --no-secret-sync and --secrets-namespace).
	Overrides map[string]string
	// Resolve are the DNS answers of --resolve NAME=ADDRESS.
	Resolve dnsanswer.Answers
	// Workloads are given by labels (--workload-labels); the manifests'
	// workloads when empty.
	Workloads []wire.Workload
	// Namespace is the namespace of objects that name none.
	Namespace string
	// Builder builds the helpers.
	Builder *ciliumrun.Builder
	// Logs receives the helpers' log lines; nil keeps them for errors only.
	Logs io.Writer
	// IncludeSecretValues puts SDS secrets' values in the result (tests).
	IncludeSecretValues bool
}

// Report is what the releases made of the manifests.
type Report struct {
	Releases []Release `json:"releases"`
	// Differences are what differs between the two releases (--compare).
	Differences []Difference `json:"differences,omitempty"`
	// StandIns lists what the sandbox stood in for, one line each.
	StandIns []string `json:"standIns"`
}

// Release is one release's result.
type Release struct {
	Cilium string `json:"cilium"`
	// Config says where the agent's and operator's configuration came from.
	Config string `json:"config"`
	// Helper says how the helper was had.
	Helper HelperRun `json:"helper"`
	// DNS are the answers the agent was given.
	DNS []wire.DNSAnswer `json:"dns"`
	// Result is the helper's answer, with Cilium's and Envoy's field names.
	*wire.LintResult
}

// HelperRun is how a release's helper was obtained.
type HelperRun struct {
	Path  string  `json:"path"`
	Built bool    `json:"built"`
	Took  float64 `json:"seconds"`
}

// Run builds (or reuses) each release's helper and runs it on objs.
func Run(ctx context.Context, objs []*unstructured.Unstructured, opts Options) (*Report, error) {
	if len(opts.Releases) == 0 || opts.Builder == nil {
		return nil, fmt.Errorf("lint --agent: no release or builder given")
	}
	objs = withNamespaces(objs, opts.Namespace)
	in, err := buildInputs(objs, opts)
	if err != nil {
		return nil, err
	}
	rep := &Report{StandIns: in.standIns}
	for _, v := range opts.Releases {
		rel, err := runRelease(ctx, v, in, opts)
		if err != nil {
			return nil, err
		}
		rep.Releases = append(rep.Releases, *rel)
	}
	if len(rep.Releases) == 2 {
		rep.Differences = compare(&rep.Releases[0], &rep.Releases[1])
	}
	return rep, nil
}

// buildInputs turns the manifests into the helper's input.
func buildInputs(objs []*unstructured.Unstructured, opts Options) (*inputs, error) {
	in := &inputs{workloads: opts.Workloads}
	extra, lines, err := standInSecrets(objs)
	if err != nil {
		return nil, err
	}
	in.standIns = append(in.standIns, lines...)
	for _, o := range append(append([]*unstructured.Unstructured{}, objs...), extra...) {
		data, err := json.Marshal(o.Object)
		if err != nil {
			return nil, err
		}
		in.objects = append(in.objects, data)
	}
	if len(in.workloads) == 0 {
		in.workloads = workloadsOf(objs)
	}
	names := policyNames(objs)
	var plain []string
	for _, n := range names {
		plain = append(plain, n.name)
		if n.pattern != "" {
			in.standIns = append(in.standIns, fmt.Sprintf("name %s: an example of matchPattern %s", n.name, n.pattern))
		}
	}
	if in.dns, err = dnsAnswers(opts.Resolve, plain); err != nil {
		return nil, err
	}
	for _, a := range in.dns {
		if a.Assumed {
			in.standIns = append(in.standIns, fmt.Sprintf("DNS answer %s -> %s: assumed (no --resolve for it; one distinct address per name)", a.Name, a.Addresses[0]))
		}
	}
	return in, nil
}

// runRelease runs release v's helper.
func runRelease(ctx context.Context, v versions.Cilium, in *inputs, opts Options) (*Release, error) {
	h, err := opts.Builder.Ensure(ctx, v)
	if err != nil {
		return nil, err
	}
	cfg, err := configFor(ctx, v, opts)
	if err != nil {
		return nil, err
	}
	res, err := ciliumrun.Lint(ctx, h, &wire.LintRequest{Config: cfg.data, Objects: in.objects, Workloads: in.workloads,
		DNS: in.dns, IncludeSecretValues: opts.IncludeSecretValues}, opts.Logs)
	if err != nil {
		return nil, err
	}
	return &Release{Cilium: v.String(), Config: cfg.source, DNS: in.dns, LintResult: res,
		Helper: HelperRun{Path: h.Path, Built: h.Built, Took: h.Took.Seconds()}}, nil
}

// configFor is the configuration of release v: the file's, or v's chart's,
// with the overrides set.
func configFor(ctx context.Context, v versions.Cilium, opts Options) (*agentConfig, error) {
	var cfg *agentConfig
	var err error
	if opts.ConfigFile != "" {
		cfg, err = readConfigFile(opts.ConfigFile)
	} else {
		var dir string
		if dir, err = opts.Builder.Download(ctx, v); err == nil {
			cfg, err = chartConfig(ctx, v, dir)
		}
	}
	if err != nil {
		return nil, err
	}
	for k, val := range opts.Overrides {
		cfg.data[k] = val
	}
	if len(opts.Overrides) > 0 {
		cfg.source += fmt.Sprintf(", with %v", opts.Overrides)
	}
	return cfg, nil
}
