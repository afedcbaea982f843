package lint

import (
	"context"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"

	"github.com/cilium-tls-intercept/sandbox/sandbox/ciliumtls"
	"github.com/cilium-tls-intercept/sandbox/sandbox/dnsanswer"
	"github.com/cilium-tls-intercept/sandbox/sandbox/lint/agent"
	"github.com/cilium-tls-intercept/sandbox/sandbox/validate"
	"github.com/cilium-tls-intercept/sandbox/sandbox/versions"
)

// Options say what to lint and for which Cilium.
type Options struct {
	// Paths are manifest files, directories and Stdin ("-").
	Paths []string
	// Stdin is read for the path "-".
	Stdin io.Reader
	// Cilium is the release the policies must work on; versions.DefaultCilium when zero.
	Cilium versions.Cilium
	// SecretsNamespace is Cilium's secrets namespace (1.17+);
	// ciliumtls.SecretsNamespace when empty.
	SecretsNamespace string
	// WithoutSecretSync: Cilium 1.17+ runs read-only without secret sync.
	WithoutSecretSync bool
	// Namespace is the namespace of objects that name none; "default" when empty.
	Namespace string
	// Validator is reused between runs when set (it keeps compiled CRD schemas).
	Validator *validate.Validator
	// Answers are the DNS answers of --resolve; nil assumes one distinct
	// address per name.
	Answers dnsanswer.Answers
	// Agent, when set, also runs the release's own agent and operator code
	// on the manifests (lint --agent).
	Agent *agent.Options
}

// Status is how a finding counts.
type Status string

// The statuses, from the worst.
const (
	StatusFail   Status = "fail"
	StatusWarn   Status = "warn"
	StatusAssume Status = "assume"
)

// Mark is the one-character mark of s in the text report.
func (s Status) Mark() string {
	switch s {
	case StatusFail:
		return "✗"
	case StatusWarn:
		return "!"
	}
	return "?"
}

// Finding is one problem the validators found.
type Finding struct {
	// Check is the validator's check (validate.Check*).
	Check  string `json:"check"`
	Object string `json:"object"`
	Status Status `json:"status"`
	Reason string `json:"reason"`
	Fix    string `json:"fix,omitempty"`
}

// Report is what Run found.
type Report struct {
	// Source names the inputs.
	Source        string   `json:"source"`
	Files         []string `json:"files"`
	CiliumVersion string   `json:"ciliumVersion"`
	// SecretsMode says where the release reads policy secrets.
	SecretsMode string `json:"secretsMode"`
	// Addresses says which DNS answers the shared-address check used.
	Addresses string    `json:"addresses"`
	Objects   int       `json:"objects"`
	Findings  []Finding `json:"findings"`
	// RootCause is the first failure's check, "" when nothing failed.
	RootCause string `json:"rootCause,omitempty"`
	// Agent is what the release's own code made of the manifests (--agent).
	Agent *agent.Report `json:"agent,omitempty"`
}

// Failed reports whether any finding failed.
func (r *Report) Failed() bool { return r.RootCause != "" }

// Cause returns the root-cause finding, nil when nothing failed.
func (r *Report) Cause() *Finding {
	for i := range r.Findings {
		if r.Findings[i].Status == StatusFail {
			return &r.Findings[i]
		}
	}
	return nil
}

// Run reads the manifests and validates them. The error is for a lint that
// could not run (an unreadable file, a document that is not YAML, no
// objects); what the checks find is in the Report.
func Run(ctx context.Context, opts Options) (*Report, error) {
	v := opts.Cilium.OrDefault()
	objs, files, err := read(opts.Paths, opts.Stdin)
	if err != nil {
		return nil, err
	}
	val := opts.Validator
	if val == nil {
		val = validate.NewValidator()
	}
	vopts := validate.Options{Cilium: v, SecretsNamespace: opts.SecretsNamespace, WithoutSecretSync: opts.WithoutSecretSync,
		DefaultNamespace: opts.Namespace, OpenWorld: true, Answers: opts.Answers}
	problems, err := val.Objects(objs, vopts)
	if err != nil {
		return nil, err
	}
	rep := &Report{Source: source(opts.Paths, files), Files: files, CiliumVersion: v.String(),
		SecretsMode: secretsMode(v, vopts), Addresses: addresses(opts.Answers), Objects: len(objs), Findings: []Finding{}}
	for _, p := range problems {
		rep.Findings = append(rep.Findings, Finding{Check: p.Check, Object: p.Object, Status: status(p.Severity), Reason: p.Message, Fix: p.Fix})
	}
	if opts.Agent != nil {
		if rep.Agent, err = agent.Run(ctx, objs, *opts.Agent); err != nil {
			return nil, err
		}
		for _, p := range rep.Agent.Problems() {
			rep.Findings = append(rep.Findings, Finding{Check: p.Check, Object: p.Object, Status: StatusFail, Reason: p.Reason, Fix: p.Fix})
		}
	}
	sortFindings(rep.Findings)
	if c := rep.Cause(); c != nil {
		rep.RootCause = c.Check
	}
	return rep, nil
}

func status(s validate.Severity) Status {
	switch s {
	case validate.Warning:
		return StatusWarn
	case validate.Assumption:
		return StatusAssume
	}
	return StatusFail
}

// checkOrder ranks the checks as causes: an object the API server or the
// agent rejects first, then where the secrets live and what they hold,
// what the clients see, what the policies select, the issuers.
func checkOrder() []string {
	return []string{
		validate.CheckDecode, validate.CheckSchema, validate.CheckUnknownField, validate.CheckCEL, validate.CheckCiliumSanitize,
		validate.CheckServerNames, validate.CheckMatchPattern, validate.CheckHTTPOnTLS,
		validate.CheckSecretsNamespace, validate.CheckSecretSource, validate.CheckSecretKeys,
		validate.CheckHeaderPort, validate.CheckHeaderSecret, validate.CheckHeaderRotation,
		validate.CheckEndpointSelector, validate.CheckDNSRule, validate.CheckSANCoverage, validate.CheckHTTPVisibility,
		validate.CheckSharedAddress,
		validate.CheckIssuerRef, validate.CheckIssuerSecret, validate.CheckNameConstraints, validate.CheckKnownBug,
		agent.CheckAgentParse, agent.CheckAgentPolicy, agent.CheckAgentSDS, agent.CheckAgentOperator,
	}
}

// sortFindings orders failures, then warnings, then assumptions, each by
// checkOrder and then object.
func sortFindings(fs []Finding) {
	rank := func(s Status) int { return slices.Index([]Status{StatusFail, StatusWarn, StatusAssume}, s) }
	order := checkOrder()
	sort.SliceStable(fs, func(i, j int) bool {
		a, b := fs[i], fs[j]
		if rank(a.Status) != rank(b.Status) {
			return rank(a.Status) < rank(b.Status)
		}
		if ia, ib := slices.Index(order, a.Check), slices.Index(order, b.Check); ia != ib {
			return ia < ib
		}
		return a.Object < b.Object
	})
}

// secretsMode says where release v reads policy secrets with opts.
func secretsMode(v versions.Cilium, opts validate.Options) string {
	if ciliumtls.ModeOf(v) == ciliumtls.ModeK8sBackend {
		return "secrets read from their own namespaces (tls.secretsBackend=k8s)"
	}
	ns := opts.SecretsNamespace
	if ns == "" {
		ns = ciliumtls.SecretsNamespace
	}
	if opts.WithoutSecretSync {
		return "secrets read only from " + ns + " (no secret sync)"
	}
	return "secrets synced into " + ns
}

// addresses says which DNS answers the shared-address check used.
func addresses(a dnsanswer.Answers) string {
	if len(a) == 0 {
		return "no --resolve given: one distinct address per name assumed, so the shared-address check cannot see names that share one"
	}
	n := 0
	for _, name := range a.Names() {
		n += len(a[name])
	}
	shared := len(a.SharedAddrs())
	noun := "addresses"
	if shared == 1 {
		noun = "address"
	}
	return fmt.Sprintf("from --resolve: %d names, %d answers, %d shared %s; names not given are assumed to have addresses of their own", len(a), n, shared, noun)
}

func source(paths, files []string) string {
	if len(files) == 1 {
		return files[0]
	}
	return fmt.Sprintf("%s (%d files)", strings.Join(paths, ", "), len(files))
}
