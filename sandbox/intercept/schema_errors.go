package intercept

import (
	"bytes"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chartutil"

	"github.com/cilium-tls-intercept/sandbox/sandbox/dnsname"
)

// schemaURL is where the chart's schema is registered, as Helm does.
const schemaURL = "file:///values.schema.json"

// explainSchema validates vals, merged over the chart's defaults as Helm
// merges them, against the chart's values.schema.json and returns every
// violation in words, naming the key and the value ("" when there is none
// or the schema cannot be read). Helm's own message shows the schema's
// regular expressions instead.
func explainSchema(c *chart.Chart, vals map[string]any) string {
	if len(c.Schema) == 0 {
		return ""
	}
	coalesced, err := chartutil.CoalesceValues(c, vals)
	if err != nil {
		return ""
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(c.Schema))
	if err != nil {
		return ""
	}
	compiler := jsonschema.NewCompiler()
	if err := compiler.AddResource(schemaURL, doc); err != nil {
		return ""
	}
	sch, err := compiler.Compile(schemaURL)
	if err != nil {
		return ""
	}
	var ve *jsonschema.ValidationError
	if !errors.As(sch.Validate(coalesced.AsMap()), &ve) {
		return ""
	}
	groups := defaultGroups(c)
	var out []string
	for _, leaf := range leaves(ve) {
		out = append(out, explainViolation(doc, leaf, groups))
	}
	sort.Strings(out)
	return strings.Join(out, "; ")
}

// leaves returns the violations without causes of their own.
func leaves(e *jsonschema.ValidationError) []*jsonschema.ValidationError {
	if len(e.Causes) == 0 {
		return []*jsonschema.ValidationError{e}
	}
	var out []*jsonschema.ValidationError
	for _, c := range e.Causes {
		out = append(out, leaves(c)...)
	}
	return out
}

// explainViolation says what is wrong at one place of the values; groups
// are the chart's own group names, for a misspelt one.
func explainViolation(doc any, e *jsonschema.ValidationError, groups []string) string {
	key := valuesKey(e.InstanceLocation)
	node := schemaNode(doc, e.SchemaURL)
	switch k := e.ErrorKind.(type) {
	case *kind.Pattern:
		return fmt.Sprintf("%s %q %s", key, k.Got, explainForm(stringField(node, "x-form"), k.Got))
	case *kind.AdditionalProperties:
		return explainUnknownKeys(key, node, k.Properties)
	case *kind.Type:
		want := make([]string, len(k.Want))
		for i, w := range k.Want {
			want[i] = article(w)
		}
		return fmt.Sprintf("%s is %s; want %s", key, article(k.Got), strings.Join(want, " or "))
	case *kind.Required:
		return fmt.Sprintf("%s lacks %s%s", key, quoteAll(k.Missing, " and "), misspeltGroup(e.InstanceLocation, groups))
	case *kind.Enum:
		return fmt.Sprintf("%s %s is not one of %s", key, jsonValue(k.Got), enumList(k.Want))
	case *kind.MinProperties:
		return fmt.Sprintf("%s is empty; set at least %d of %s", key, k.Want, strings.Join(fieldNames(node), ", "))
	}
	return key + ": " + e.ErrorKind.LocalizedString(message.NewPrinter(language.English))
}

// explainUnknownKeys names keys the schema does not allow: group names
// that are not DNS labels under intercept, unknown keys elsewhere.
func explainUnknownKeys(key string, node map[string]any, names []string) string {
	var out []string
	for _, n := range names {
		if stringField(node, "x-key-form") == "group-name" {
			out = append(out, fmt.Sprintf("%s: group name %q %s", key, n, explainForm("group-name", n)))
			continue
		}
		known := fieldNames(node)
		out = append(out, fmt.Sprintf("%s: unknown key %q%s (known: %s)", key, n, didYouMean(n, known), strings.Join(known, ", ")))
	}
	return strings.Join(out, "; ")
}

// explainForm says in words why s is not of the named form of
// values.schema.json ("x-form").
func explainForm(form, s string) string {
	var p string
	switch form {
	case "cilium-version":
		return "is not a Cilium release; write it as 1.18 or 1.18.10"
	case "dns-label", "dns-label-or-empty":
		p = "is not a DNS label (a Kubernetes namespace or object name): " + dnsname.Sentence(dnsname.LabelProblem(s, 63))
	case "group-name":
		p = "is not a DNS label of at most 40 characters, which a group name must be (it names the group's policy, Certificate and secret): " + dnsname.Sentence(dnsname.LabelProblem(s, 40))
	case "domain-or-wildcard":
		p = "is not a domain name or a '*.'/'**.' pattern: " + dnsname.Sentence(dnsname.Problem(s, true))
	case "domain":
		p = "is not a domain name: " + dnsname.Sentence(dnsname.Problem(s, false))
	case "http-method":
		return "is not an HTTP method or a regular expression of them: use uppercase, such as GET or GET|HEAD"
	case "http-path":
		return "does not start with /: a path rule is a regular expression over the whole path, such as /meta or /repos/.*"
	case "server-name":
		return "is not a TLS server name: lowercase labels of letters, digits, '-' and '*', at least two"
	case "duration":
		return durationProblem(s)
	case "header-name":
		return "is not an HTTP header name: letters, digits and !#$%&'*+-.^_`|~, no spaces or colons (pseudo-headers such as :authority cannot be set)"
	case "object-name":
		return "is not a Kubernetes object name: lowercase letters, digits, '-' and '.', starting and ending with a letter or digit"
	case "secret-key":
		return "is not a Secret key: letters, digits, '-', '_' and '.'"
	case "object-name-or-empty":
		return "is not a Kubernetes object name: lowercase letters, digits, '-' and '.', starting and ending with a letter or digit"
	case "absolute-path":
		return "is not an absolute path: start it with /"
	default:
		return "does not have the form values.schema.json requires"
	}
	if strings.HasSuffix(p, ": ") { // the checker found nothing the pattern refused
		return strings.TrimSuffix(p, ": ")
	}
	return p
}

// durationProblem explains a duration that is not hours, minutes and
// seconds in that order, as cert-manager's durations are written here.
func durationProblem(s string) string {
	const want = "; write hours, minutes and seconds in that order, such as 2160h or 1h30m"
	switch {
	case strings.HasPrefix(s, "-"):
		return "is negative" + want
	case strings.Contains(s, "."):
		return "has a fraction" + want
	case s != "" && s[len(s)-1] >= '0' && s[len(s)-1] <= '9':
		return "has no unit" + want
	}
	for _, c := range s {
		if !(c >= '0' && c <= '9') && c != 'h' && c != 'm' && c != 's' {
			return fmt.Sprintf("uses %q, which is not a unit here (8760h is a year, 24h a day)%s", c, want)
		}
	}
	return "is not a duration" + want
}

// valuesKey formats an instance location as the values key it names:
// ["intercept","github","domains","0"] is "intercept.github.domains[0]".
func valuesKey(loc []string) string {
	if len(loc) == 0 {
		return "the top level"
	}
	var b strings.Builder
	for _, p := range loc {
		if _, err := strconv.Atoi(p); err == nil && b.Len() > 0 {
			b.WriteString("[" + p + "]")
			continue
		}
		if b.Len() > 0 {
			b.WriteString(".")
		}
		b.WriteString(p)
	}
	return b.String()
}

// schemaNode returns the schema object a violation's SchemaURL points to
// ("file:///values.schema.json#/properties/intercept"), or nil.
func schemaNode(doc any, schemaURL string) map[string]any {
	u, err := url.Parse(schemaURL)
	if err != nil {
		return nil
	}
	cur := doc
	for _, tok := range strings.Split(strings.TrimPrefix(u.Fragment, "/"), "/") {
		if tok == "" {
			continue
		}
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		switch v := cur.(type) {
		case map[string]any:
			cur = v[tok]
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(v) {
				return nil
			}
			cur = v[i]
		default:
			return nil
		}
	}
	m, _ := cur.(map[string]any)
	return m
}

func stringField(node map[string]any, key string) string {
	s, _ := node[key].(string)
	return s
}

// fieldNames lists a schema object's properties, sorted.
func fieldNames(node map[string]any) []string {
	props, _ := node["properties"].(map[string]any)
	out := make([]string, 0, len(props))
	for k := range props {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// jsonValue writes a value as in the values file: strings quoted.
func jsonValue(v any) string {
	if s, ok := v.(string); ok {
		return strconv.Quote(s)
	}
	return fmt.Sprint(v)
}

// enumList lists the allowed values of an enum.
func enumList(want []any) string {
	out := make([]string, len(want))
	for i, w := range want {
		out[i] = jsonValue(w)
	}
	return strings.Join(out, ", ")
}

func article(typ string) string {
	switch typ {
	case "array", "integer", "object":
		return "an " + typ
	}
	return "a " + typ
}

func quoteAll(names []string, sep string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = strconv.Quote(n)
	}
	return strings.Join(q, sep)
}
