package dnsname

import (
	"strings"
	"testing"
)

func TestProblem(t *testing.T) {
	cases := []struct {
		name     string
		wildcard bool
		want     string // "" for a valid name
	}{
		{"api.github.com", true, ""},
		{"*.amazonaws.com", true, ""},
		{"**.example.com", true, ""},
		{"localhost", true, ""},
		{"exa mple.com", true, "contains a space"},
		{"API.GitHub.com", true, `has uppercase letters; names are written in lowercase: "api.github.com"`},
		{"api.github.com.", true, `ends with a dot; write it without: "api.github.com"`},
		{"api.*.com", true, "'*' is allowed only as the whole first label, such as *.example.com"},
		{"api-*.github.com", true, "'*' is allowed only as the whole first label"},
		{"*.com", true, "wildcard over a top-level domain"},
		{"*.example.com", false, "wildcards are not allowed here"},
		{"a..b", true, "empty label"},
		{".example.com", true, "starts with a dot"},
		{"my_host.example.com", true, `label "my_host" contains '_'`},
		{"My_Host.example.com", true, `has uppercase letters, and label "my_host" contains '_'`},
		{"-a.example.com", true, `label "-a" starts or ends with '-'`},
		{strings.Repeat("a", 64) + ".com", true, "is 64 characters long; at most 63"},
		{"", true, "is empty"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := Problem(c.name, c.wildcard)
			if c.want == "" && got != "" || c.want != "" && !strings.Contains(got, c.want) {
				t.Fatalf("Problem(%q, %v) = %q, want %q", c.name, c.wildcard, got, c.want)
			}
		})
	}
}

func TestLabelProblem(t *testing.T) {
	cases := map[string]string{
		"github":                "",
		"Bad_Group":             "has uppercase letters, and contains '_'",
		"GitHub":                `has uppercase letters; write it in lowercase: "github"`,
		"bad_group":             "contains '_'",
		"a.b":                   "has no dots",
		"-a":                    "starts or ends with '-'",
		"":                      "is empty",
		strings.Repeat("a", 41): "is 41 characters long; at most 40",
	}
	for in, want := range cases {
		got := LabelProblem(in, 40)
		if want == "" && got != "" || want != "" && !strings.Contains(got, want) {
			t.Errorf("LabelProblem(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSentence(t *testing.T) {
	for name, want := range map[string]string{
		"api_x.github.com": `its label "api_x" contains '_'; use lowercase letters, digits and '-'`,
		"exa mple.com":     "it contains a space",
		"example.com":      "",
	} {
		if got := Sentence(Problem(name, false)); got != want {
			t.Errorf("Sentence(Problem(%q)) = %q, want %q", name, got, want)
		}
	}
}
