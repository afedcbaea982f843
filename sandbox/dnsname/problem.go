package dnsname

import (
	"fmt"
	"strings"
)

// Problem says in words what keeps s from being a DNS name as the chart
// takes it (lowercase labels of letters, digits and '-', separated by dots,
// no trailing dot), or returns "" when s is one. With wildcard set, a first
// label of "*" or "**" followed by at least two labels is allowed, as in
// "*.example.com".
func Problem(s string, wildcard bool) string {
	switch {
	case s == "":
		return "is empty"
	case strings.ContainsAny(s, " \t\r\n"):
		return "contains a space"
	case s != strings.ToLower(s):
		if p := Problem(strings.ToLower(s), wildcard); p != "" {
			return "has uppercase letters, and " + p
		}
		return fmt.Sprintf("has uppercase letters; names are written in lowercase: %q", strings.ToLower(s))
	case len(s) > 1 && strings.HasSuffix(s, "."):
		return fmt.Sprintf("ends with a dot; write it without: %q", strings.TrimSuffix(s, "."))
	case strings.HasPrefix(s, "."):
		return "starts with a dot"
	case len(s) > 253:
		return fmt.Sprintf("is %d characters long; a DNS name has at most 253", len(s))
	}
	labels := strings.Split(s, ".")
	if p := wildcardProblem(labels, wildcard); p != "" {
		return p
	}
	if wildcard && (labels[0] == "*" || labels[0] == "**") {
		labels = labels[1:]
	}
	for _, l := range labels {
		if l == "" {
			return "has an empty label (two dots in a row)"
		}
		if p := labelProblem(l, 63); p != "" {
			return fmt.Sprintf("label %q %s", l, p)
		}
	}
	return ""
}

// wildcardProblem checks where '*' appears.
func wildcardProblem(labels []string, wildcard bool) string {
	first := labels[0] == "*" || labels[0] == "**"
	for i, l := range labels {
		if !strings.Contains(l, "*") || (i == 0 && first && wildcard) {
			continue
		}
		if !wildcard {
			return "contains '*'; wildcards are not allowed here: name a domain, such as example.com"
		}
		return "has '*' inside a name; '*' is allowed only as the whole first label, such as *.example.com (** for any depth: **.example.com)"
	}
	if wildcard && first && len(labels) < 3 {
		return "has a wildcard over a top-level domain; name at least two labels after it, such as *.example.com"
	}
	return ""
}

// LabelProblem says in words what keeps s from being a DNS label (RFC 1123,
// as Kubernetes names namespaces: lowercase letters, digits and '-',
// starting and ending with a letter or digit) of at most max characters,
// or returns "" when it is one.
func LabelProblem(s string, max int) string {
	switch {
	case s == "":
		return "is empty"
	case s != strings.ToLower(s):
		if p := LabelProblem(strings.ToLower(s), max); p != "" {
			return "has uppercase letters, and " + p
		}
		return fmt.Sprintf("has uppercase letters; write it in lowercase: %q", strings.ToLower(s))
	case strings.Contains(s, "."):
		return "contains '.'; a DNS label has no dots"
	}
	return labelProblem(s, max)
}

// labelProblem checks one lowercase label without dots.
func labelProblem(l string, max int) string {
	for _, c := range l {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return fmt.Sprintf("contains %q; use lowercase letters, digits and '-'", c)
		}
	}
	switch {
	case strings.HasPrefix(l, "-") || strings.HasSuffix(l, "-"):
		return "starts or ends with '-'; start and end with a letter or digit"
	case len(l) > max:
		return fmt.Sprintf("is %d characters long; at most %d are allowed", len(l), max)
	}
	return ""
}

// Sentence turns a problem Problem or LabelProblem found into a clause
// about the name: "it is empty", "its label "a_b" contains '_'; ...";
// "" stays "".
func Sentence(problem string) string {
	switch {
	case problem == "":
		return ""
	case strings.HasPrefix(problem, "label "):
		return "its " + problem
	}
	return "it " + problem
}
