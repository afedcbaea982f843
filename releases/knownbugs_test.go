//go:build releases && linux

package releases

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cilium-tls-intercept/sandbox/sandbox/ciliumrun/wire"
	"github.com/cilium-tls-intercept/sandbox/sandbox/lint/agent"
)

// The rows of sandbox/versions/knownbugs.yaml that Cilium's Go code shows,
// each run through `sandbox lint --agent` on a release the row affects and
// one it does not, asserting that the first shows the row and the second
// does not. Each release is a helper build (about 430 CPU-seconds cold,
// some 4 minutes on two idle cores), and the stage's budget (25 minutes
// cold) holds the minors' five default patches, so the stage runs every
// row on default patches. Rows whose boundary lies inside a minor also
// have a pair inside it, across the boundary, run when RELEASES_BOUNDARIES
// is set: two more helpers, 1.18.4 and 1.19.3. Each test says why its
// pairs.

// The manifests the rows run on (testdata): a workload whose egress TLS is
// intercepted with the cert-manager secret app/web-tls; the operator's
// stale Opaque copies of it; a toFQDNs "**." pattern.
const (
	tlsSecretDir   = "testdata/tls-secret"
	staleCopyDir   = "testdata/k9-stale-copy"
	doubleStarDir  = "testdata/k5-double-star"
	clientWorkload = "Deployment app/client"
	sourceSecret   = "app/web-tls"
)

// hashedCopyName is pkg/secretsync/names SyncedSecretName of app/web-tls
// (1.19.6 and later): the prefix and the SHA-256 of kind, namespace and
// name separated by NUL bytes.
func hashedCopyName() string {
	sum := sha256.Sum256([]byte("secret\x00app\x00web-tls"))
	return "cilium-sync-secret-" + hex.EncodeToString(sum[:])
}

// TestK5DoubleStarMatchesOneLabelBefore119 runs 1.18.11 (the last 1.18
// served, affected) against 1.19.7 (the 1.19 default; 1.19.0 is the first
// fixed release, and building it for this row alone costs a helper):
// "**.example.com" selects api.eu.example.com only from 1.19, while
// api.example.com is selected by both.
func TestK5DoubleStarMatchesOneLabelBefore119(t *testing.T) {
	const affected, fixed = "1.18.11", "1.19.7"
	const one, two = "api.example.com", "api.eu.example.com"
	rep := lintRow(t, "--cilium-version", affected, "--compare", fixed, "-f", doubleStarDir,
		"--resolve", one+"=192.0.2.10", "--resolve", two+"=192.0.2.11")
	const label = "fqdn:**.example.com"
	for _, c := range []struct {
		release, name string
		selected      bool
	}{
		{affected, one, true}, {affected, two, false},
		{fixed, one, true}, {fixed, two, true},
	} {
		got := nameLabels(t, resultOf(t, rep, c.release), c.name)
		if slices.Contains(got, label) != c.selected {
			t.Errorf("K5: Cilium %s: the address of %s has identity labels %v; want %s there: %v", c.release, c.name, got, label, c.selected)
		}
	}
}

// nameLabels are the labels of the identity the agent's IP cache gives the
// address a name was answered with, nil when the IP cache has none (no
// selector took the name).
func nameLabels(t *testing.T, r *agent.Release, name string) []string {
	t.Helper()
	var addr string
	for _, a := range r.DNS {
		if a.Name == name && len(a.Addresses) > 0 {
			addr = a.Addresses[0]
		}
	}
	if addr == "" {
		t.Fatalf("Cilium %s was given no DNS answer for %s", r.Cilium, name)
	}
	for _, e := range r.IPCache {
		if e.Prefix != addr && e.Prefix != addr+"/32" {
			continue
		}
		if e.Identity == 0 {
			return nil // the IP cache has no identity for it
		}
		for _, id := range r.Identities {
			if id.ID == e.Identity {
				return id.Labels
			}
		}
		return []string{"unknown identity"}
	}
	return nil
}

// TestK8OperatorRequeuesCopiesFrom1185 runs 1.17.17 (affected, never
// fixed) against 1.18.11 (the defaults), and with RELEASES_BOUNDARIES
// 1.18.4 (the last release without the periodic resync) against 1.18.11,
// inside one minor across the 1.18.5 boundary. The operator's Reconcile of
// the policy secret returns no RequeueAfter on the affected release and 48
// to 60 minutes on the fixed one.
func TestK8OperatorRequeuesCopiesFrom1185(t *testing.T) {
	forPairs(t, pair{"1.17.17", "1.18.11"}, pair{"1.18.4", "1.18.11"}, func(t *testing.T, affected, fixed string) {
		rep := lintRow(t, "--cilium-version", affected, "--compare", fixed, "-f", tlsSecretDir)
		if rec := reconcileOf(t, resultOf(t, rep, affected), sourceSecret); rec.RequeueAfter != "" || rec.Error != "" {
			t.Errorf("K8: Cilium %s's operator reconciled %s with %+v; want no RequeueAfter and no error", affected, sourceSecret, rec)
		}
		rec := reconcileOf(t, resultOf(t, rep, fixed), sourceSecret)
		d, err := time.ParseDuration(rec.RequeueAfter)
		if err != nil || d < 48*time.Minute || d > 60*time.Minute || rec.Error != "" {
			t.Errorf("K8: Cilium %s's operator reconciled %s with %+v; want a RequeueAfter of 48 to 60 minutes", fixed, sourceSecret, rec)
		}
	})
}

// TestK9TypeChangeRecreatesCopyFrom1194 runs 1.18.11 (affected, never
// fixed) against 1.19.7 (the defaults), and with RELEASES_BOUNDARIES 1.19.3
// (the last release with the bug) against 1.19.7, inside one minor across
// the 1.19.4 boundary. The source secret is kubernetes.io/tls, its copy
// still Opaque: the affected release patches the copy's immutable type, is
// refused, and the copy stays Opaque; 1.19.7 deletes the copy and creates
// it again as kubernetes.io/tls.
func TestK9TypeChangeRecreatesCopyFrom1194(t *testing.T) {
	forPairs(t, pair{"1.18.11", "1.19.7"}, pair{"1.19.3", "1.19.7"}, checkK9)
}

// checkK9 asserts K9 on an affected and a fixed release.
func checkK9(t *testing.T, affected, fixed string) {
	rep := lintRow(t, "--cilium-version", affected, "--compare", fixed, "-f", tlsSecretDir, "-f", staleCopyDir)

	a := resultOf(t, rep, affected)
	if got := callsOn(a.Operator, "app-web-tls"); len(got) != 1 || got[0].Verb != "patch" || !strings.Contains(got[0].Error, "immutable") {
		t.Errorf("K9: Cilium %s's operator wrote the copy app-web-tls with %+v; want one patch refused for the immutable type", affected, got)
	}
	if c := copyNamed(a.Operator, "app-web-tls"); c == nil || c.Type != "Opaque" {
		t.Errorf("K9: Cilium %s left the copy app-web-tls as %+v; want it stale, Opaque", affected, c)
	}

	f := resultOf(t, rep, fixed)
	hashed := hashedCopyName()
	if got := verbs(callsOn(f.Operator, hashed)); !slices.Equal(got, []string{"delete", "create"}) {
		t.Errorf("K9: Cilium %s's operator wrote the copy %s with %v; want delete, then create", fixed, hashed, got)
	}
	if c := copyNamed(f.Operator, hashed); c == nil || c.Type != "kubernetes.io/tls" {
		t.Errorf("K9: Cilium %s left the copy %s as %+v; want kubernetes.io/tls", fixed, hashed, c)
	}
	if rec := reconcileOf(t, f, sourceSecret); rec.Error != "" {
		t.Errorf("K9: Cilium %s's operator failed to reconcile %s: %s", fixed, sourceSecret, rec.Error)
	}
}

// TestK10CopiesNamedByHashFrom1196 runs 1.18.11 against 1.19.7 (the
// defaults), and with RELEASES_BOUNDARIES 1.19.3 against 1.19.7, inside one
// minor across the 1.19.6 boundary (on K9's helpers). The operator's copy
// of app/web-tls, and the SDS name NPDS gives Envoy for it, are
// "app-web-tls" on the affected release and "cilium-sync-secret-<sha256>"
// on 1.19.7.
func TestK10CopiesNamedByHashFrom1196(t *testing.T) {
	forPairs(t, pair{"1.18.11", "1.19.7"}, pair{"1.19.3", "1.19.7"}, checkK10)
}

// checkK10 asserts K10 on an affected and a fixed release.
func checkK10(t *testing.T, affected, fixed string) {
	rep := lintRow(t, "--cilium-version", affected, "--compare", fixed, "-f", tlsSecretDir)
	for _, c := range []struct{ release, name string }{{affected, "app-web-tls"}, {fixed, hashedCopyName()}} {
		r := resultOf(t, rep, c.release)
		var names []string
		for _, cp := range r.Operator.Copies {
			names = append(names, cp.Name)
		}
		if !slices.Equal(names, []string{c.name}) {
			t.Errorf("K10: Cilium %s's operator wrote the copies %v; want only %s", c.release, names, c.name)
		}
		sds := `"tlsSdsSecret":"cilium-secrets/` + c.name + `"`
		if npds := npdsText(t, r, workload(t, r, clientWorkload)); !strings.Contains(npds, sds) {
			t.Errorf("K10: Cilium %s's NPDS lacks %s:\n%s", c.release, sds, npds)
		}
	}
}

// callsOn are the operator's writes to the secret named name.
func callsOn(op wire.Operator, name string) []wire.APICall {
	var out []wire.APICall
	for _, c := range op.Calls {
		if c.Name == name {
			out = append(out, c)
		}
	}
	return out
}

func verbs(calls []wire.APICall) []string {
	var out []string
	for _, c := range calls {
		out = append(out, c.Verb)
	}
	return out
}

// copyNamed is the operator's copy named name after the sync, nil if none.
func copyNamed(op wire.Operator, name string) *wire.SecretCopy {
	for i := range op.Copies {
		if op.Copies[i].Name == name {
			return &op.Copies[i]
		}
	}
	return nil
}
