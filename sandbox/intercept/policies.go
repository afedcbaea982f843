package intercept

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/cilium-tls-intercept/sandbox/sandbox/ciliumtls"
	"github.com/cilium-tls-intercept/sandbox/sandbox/release"
	"github.com/cilium-tls-intercept/sandbox/sandbox/validate"
	"github.com/cilium-tls-intercept/sandbox/sandbox/versions"
)

// checkPolicies runs the rendered CiliumNetworkPolicies through what the
// agent of release v runs before it enforces one (validate.Policies:
// Cilium's Parse and Sanitize, and the release's limits). The API server
// accepts a policy the agent refuses, and the agent then enforces none of
// its rules, so a value that makes such a policy is refused here, named
// with the key that holds it in vals.
func checkPolicies(out *release.Rendered, vals map[string]any, v versions.Cilium) error {
	objs, err := out.Objects()
	if err != nil {
		return err
	}
	problems, err := validate.Policies(objs, validate.Options{Cilium: v})
	if err != nil {
		return err
	}
	if len(problems) == 0 {
		return nil
	}
	msgs := make([]string, 0, len(problems))
	for _, p := range problems {
		msgs = append(msgs, refusal(p, vals, v))
	}
	return fmt.Errorf("%w: %s", ErrInvalidValues, strings.Join(msgs, "; "))
}

// refusal says which value made the policy Cilium release v refuses, what
// Cilium said, and what that costs.
func refusal(p validate.Problem, vals map[string]any, v versions.Cilium) string {
	msg := fmt.Sprintf("the agent of Cilium %s refuses %s (%s): the API server would accept the policy and the agent enforce none of its rules", v, p.Object, p.Message)
	if keys := valuesNamed(p.Message, vals); len(keys) > 0 {
		return strings.Join(keys, ", ") + ": " + msg
	}
	return msg
}

// quoted matches the values Cilium's messages quote: `...` (regexp errors)
// and "..." (Go's %q).
var quoted = regexp.MustCompile("`([^`]+)`|\"((?:[^\"\\\\]|\\\\.)+)\"")

// valuesNamed returns "key=value" for each string in vals that a message
// quotes: the values it equals, else those that contain it (a regexp error
// quotes the part it stopped at). Keys are written as --set writes them,
// intercept.github.http[0].path.
func valuesNamed(message string, vals map[string]any) []string {
	leaves := map[string]string{}
	walkValues("", vals, leaves)
	var equal, contain []string
	for _, m := range quoted.FindAllStringSubmatch(message, -1) {
		q := m[1] + m[2]
		for key, s := range leaves {
			switch {
			case s == q:
				equal = append(equal, key+"="+s)
			case strings.Contains(s, q):
				contain = append(contain, key+"="+s)
			}
		}
	}
	found := equal
	if len(found) == 0 {
		found = contain
	}
	slices.Sort(found)
	return slices.Compact(found)
}

// walkValues records every string leaf of v under its --set key.
func walkValues(key string, v any, into map[string]string) {
	switch t := v.(type) {
	case map[string]any:
		for k, child := range t {
			walkValues(strings.TrimPrefix(key+"."+k, "."), child, into)
		}
	case []any:
		for i, child := range t {
			walkValues(fmt.Sprintf("%s[%d]", key, i), child, into)
		}
	case string:
		into[key] = t
	}
}

// NothingIntercepted says, for a render whose policies terminate TLS
// nowhere (every group disabled, say), that the chart then intercepts
// nothing: it still renders the DNS and pass-through policies, the CA and
// the workload, which is easy to mistake for a working interception. It
// returns "" when a policy terminates TLS.
func NothingIntercepted(out *release.Rendered) (string, error) {
	objs, err := out.Objects()
	if err != nil {
		return "", err
	}
	for _, o := range objs {
		if o.GetKind() != "CiliumNetworkPolicy" && o.GetKind() != "CiliumClusterwideNetworkPolicy" {
			continue
		}
		refs, err := ciliumtls.PolicySecrets(o.Object, false)
		if err != nil {
			return "", err
		}
		for _, r := range refs {
			if r.Direction == ciliumtls.Terminating {
				return "", nil
			}
		}
	}
	return "no policy terminates TLS: every intercept group is disabled, so nothing is intercepted (the DNS and pass-through policies, the CA and the workload are still rendered); enable a group, for example --set intercept.github.enabled=true", nil
}
