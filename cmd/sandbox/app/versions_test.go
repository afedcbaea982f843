package app

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/cilium-tls-intercept/sandbox/sandbox/doctor"
	"github.com/cilium-tls-intercept/sandbox/sandbox/validate"
	"github.com/cilium-tls-intercept/sandbox/sandbox/versions"
)

func TestVersionsCommand(t *testing.T) {
	cases := []struct {
		name   string
		args   []string
		code   int
		stdout []string
		stderr string
	}{
		{name: "table", args: []string{"versions"}, code: ExitOK,
			stdout: []string{"1.18   1.18.11  1.18.0 to 1.18.6, 1.18.8 to 1.18.11", "K3   bug     1.17.0 to 1.17.17, 1.18.0 to 1.18.7, 1.19.0 to 1.19.1"}},
		{name: "sources", args: []string{"versions", "--sources"}, code: ExitOK,
			stdout: []string{"K8 >=1.17.0 <1.18.5\n  confirmed: Code: operator/pkg/secretsync has no resyncInterval or RequeueAfter in 1.17.17 and 1.18.4"}},
		{name: "one release", args: []string{"versions", "1.18.6"}, code: ExitOK,
			stdout: []string{"Cilium 1.18.6 (default patch of its minor: 1.18.11)", "Go module proxy:  serves it", "7 known bugs and behaviour changes hold on 1.18.6",
				"K3  bug: serverNames policies miss new addresses of a matchPattern", "fixed in 1.18.8", "checked:  lint known-bug, doctor known-bugs"}},
		{name: "a release the proxy does not serve", args: []string{"versions", "1.18.7"}, code: ExitOK,
			stdout: []string{"Go module proxy:  does not serve it (it serves 1.18.0 to 1.18.6, 1.18.8 to 1.18.11)"}},
		{name: "a minor", args: []string{"versions", "1.17"}, code: ExitOK, stdout: []string{"Cilium 1.17.17 "}},
		{name: "unsupported", args: []string{"versions", "1.15.3"}, code: ExitUsage, stderr: `unsupported Cilium version "1.15.3"`},
		{name: "bad output", args: []string{"versions", "-o", "xml"}, code: ExitUsage, stderr: `invalid --output "xml"`},
		{name: "yaml", args: []string{"versions", "1.20.0", "-o", "yaml"}, code: ExitOK, stdout: []string{"release: 1.20.0", "- affected: =1.20.0"}},
		{name: "two releases", args: []string{"versions", "1.18", "1.19"}, code: ExitUsage, stderr: "accepts at most 1 arg"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, out, errOut := run(c.args...)
			if code != c.code || !strings.Contains(errOut, c.stderr) {
				t.Fatalf("exit %d, stderr %q; want %d with %q", code, errOut, c.code, c.stderr)
			}
			for _, w := range c.stdout {
				if !strings.Contains(out, w) {
					t.Errorf("stdout lacks %q:\n%s", w, out)
				}
			}
		})
	}
}

func TestVersionsJSON(t *testing.T) {
	code, out, errOut := run("versions", "1.20.0", "-o", "json")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var r struct {
		Release   string
		Served    bool
		KnownBugs []struct{ ID, Affected, FixedFor string }
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, b := range r.KnownBugs {
		ids = append(ids, b.ID)
	}
	if r.Release != "1.20.0" || !r.Served || strings.Join(ids, ",") != "K14,K17" || r.KnownBugs[0].Affected != "=1.20.0" || r.KnownBugs[0].FixedFor != "1.20.1" {
		t.Fatalf("versions 1.20.0 -o json = %+v", r)
	}
}

// TestPlanWarnsAboutKnownBugs: plan names the known bug of the release it
// would install, the release fixing it and the workaround, on stderr and
// in its JSON; the default releases have none.
func TestPlanWarnsAboutKnownBugs(t *testing.T) {
	want := "Warning: Cilium 1.20.0 has known bug K14 (cilium/cilium#47624): ADS mode livelocks agent and Envoy when the last L7 listener drains (fixed in 1.20.1); workaround on Cilium's chart: --set envoy.xdsMode=split"
	code, out, errOut := run("plan", "--cilium-version", "1.20.0", "-o", "json", "--chart-cache", t.TempDir())
	if code != ExitOK || !strings.Contains(errOut, want) || !strings.Contains(out, `"knownBugs": [`) {
		t.Fatalf("exit %d, stderr %q, want %q and knownBugs in the JSON", code, errOut, want)
	}
	code, _, errOut = run("plan", "--cilium-version", "1.16.3", "--chart-cache", t.TempDir())
	if code != ExitOK || !strings.Contains(errOut, "known bug K2 (cilium/proxy#890)") || !strings.Contains(errOut, "known bug K13 (cilium/cilium#38654)") {
		t.Fatalf("plan 1.16.3: exit %d, stderr %q", code, errOut)
	}
	for _, v := range versions.DefaultReleases() {
		if code, _, errOut := run("plan", "--cilium-version", v.String(), "--chart-cache", t.TempDir()); code != ExitOK || strings.Contains(errOut, "Warning") {
			t.Errorf("plan %s: exit %d, stderr %q, want no warning", v, code, errOut)
		}
	}
}

// TestKnownBugsNameRealChecks: every lint and doctor check a row of the
// table names exists.
func TestKnownBugsNameRealChecks(t *testing.T) {
	lintChecks := []string{validate.CheckServerNames, validate.CheckMatchPattern, validate.CheckSecretsNamespace,
		validate.CheckSecretKeys, validate.CheckKnownBug, validate.CheckHeaderSecret, validate.CheckHeaderRotation}
	for _, r := range versions.KnownBugs() {
		for _, c := range r.Lint {
			if !slices.Contains(lintChecks, c) {
				t.Errorf("%s names lint check %q, which is not one of %v", r.ID, c, lintChecks)
			}
		}
		for _, c := range r.Doctor {
			if !slices.Contains(doctor.CheckIDs(), c) {
				t.Errorf("%s names doctor check %q, which is not one of %v", r.ID, c, doctor.CheckIDs())
			}
		}
	}
}
