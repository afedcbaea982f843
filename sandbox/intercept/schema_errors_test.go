package intercept

import (
	"encoding/json"
	"regexp"
	"testing"
)

// schemaPatterns returns each pattern of values.schema.json with its
// x-form, and the patternProperties keys with the x-key-form.
func schemaPatterns(t *testing.T) map[string]string {
	t.Helper()
	c, err := Chart()
	if err != nil {
		t.Fatal(err)
	}
	var doc any
	if err := json.Unmarshal(c.Schema, &doc); err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	var walk func(any)
	walk = func(n any) {
		switch v := n.(type) {
		case map[string]any:
			if p, ok := v["pattern"].(string); ok {
				out[p], _ = v["x-form"].(string)
			}
			if pp, ok := v["patternProperties"].(map[string]any); ok {
				for p := range pp {
					out[p], _ = v["x-key-form"].(string)
				}
			}
			for _, c := range v {
				walk(c)
			}
		case []any:
			for _, c := range v {
				walk(c)
			}
		}
	}
	walk(doc)
	return out
}

// TestEverySchemaPatternIsExplained: every pattern of values.schema.json
// names a form the error messages explain in words, so no refused value
// is reported as a bare regular expression.
func TestEverySchemaPatternIsExplained(t *testing.T) {
	for pattern, form := range schemaPatterns(t) {
		if got := explainForm(form, "x"); form == "" || got == explainForm("", "x") {
			t.Errorf("pattern %s has x-form %q, which explainForm does not know", pattern, form)
		}
	}
}

// TestNameProblemsAgreeWithTheSchema: for the DNS forms, the words say
// something is wrong exactly when the schema's pattern refuses the value.
func TestNameProblemsAgreeWithTheSchema(t *testing.T) {
	values := []string{"api.github.com", "*.amazonaws.com", "**.example.com", "localhost", "exa mple.com", "API.GitHub.com",
		"api.github.com.", "api.*.com", "*.com", "a..b", ".a.com", "my_host.com", "-a.com", "a-.com", "a", "ab-c", "Bad_Group",
		"bad-group", "x.y", "", "*", "1.2.3.4", "xn--bcher-kva.example"}
	for pattern, form := range schemaPatterns(t) {
		switch form {
		case "dns-label", "group-name", "domain", "domain-or-wildcard":
		default:
			continue
		}
		re := regexp.MustCompile(pattern)
		for _, v := range values {
			words := explainForm(form, v)
			wordsRefuse := words != explainForm(form, "a")
			if re.MatchString(v) == wordsRefuse {
				t.Errorf("form %s, value %q: pattern matches=%v but the explanation is %q", form, v, re.MatchString(v), words)
			}
		}
	}
}
