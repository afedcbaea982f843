package probe

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// envoyDenial is the body Envoy answers a request Cilium's L7 policy denies
// with: 403 and "Access denied" (cilium/proxy cilium/l7policy.cc, the
// default denied_403_body, followed by CRLF).
const envoyDenial = "Access denied"

// envoyUpstreamReplies start the bodies of the replies Envoy makes itself
// when it gets no answer from the upstream (Envoy's router, in the Envoy
// release cilium/proxy builds): the connection or TLS handshake to the
// upstream failed or was reset, the cluster had no host, or the upstream
// did not answer in time.
var envoyUpstreamReplies = []string{
	"upstream connect error or disconnect/reset before headers",
	"no healthy upstream",
	"upstream request timeout",
}

func isEnvoyDenial(resp *Response) bool {
	return resp.HTTPCode == 403 && strings.HasPrefix(strings.TrimSpace(string(resp.Body)), envoyDenial)
}

func isEnvoyUpstreamError(resp *Response) bool {
	if resp.HTTPCode != 502 && resp.HTTPCode != 503 && resp.HTTPCode != 504 {
		return false
	}
	body := strings.TrimSpace(string(resp.Body))
	for _, p := range envoyUpstreamReplies {
		if strings.HasPrefix(body, p) {
			return true
		}
	}
	return false
}

// rateLimit says what shows that an answer is GitHub's rate limit (a 403
// or 429 with x-ratelimit-remaining: 0, or whose message speaks of a rate
// limit, as GitHub's primary and secondary limits do), or "".
func rateLimit(resp *Response) string {
	if resp.HTTPCode != 403 && resp.HTTPCode != 429 {
		return ""
	}
	var what []string
	if firstHeader(resp.Header, "x-ratelimit-remaining") == "0" {
		w := "x-ratelimit-remaining: 0"
		if reset, err := strconv.ParseInt(firstHeader(resp.Header, "x-ratelimit-reset"), 10, 64); err == nil {
			w += ", resets at " + time.Unix(reset, 0).UTC().Format(time.RFC3339)
		}
		what = append(what, w)
	}
	if msg := bodyMessage(resp.Body); strings.Contains(strings.ToLower(msg), "rate limit") {
		what = append(what, strconv.Quote(msg))
	}
	return strings.Join(what, "; ")
}

// firstHeader is the first value of a response header (name in lowercase).
func firstHeader(h map[string][]string, name string) string {
	if v := h[name]; len(v) > 0 {
		return strings.TrimSpace(v[0])
	}
	return ""
}

// bodyMessage is the "message" of a JSON body such as GitHub's errors, or
// the body's first line.
func bodyMessage(body []byte) string {
	var m struct {
		Message string `json:"message"`
	}
	if json.Unmarshal(body, &m) == nil && m.Message != "" {
		return m.Message
	}
	line, _, _ := strings.Cut(strings.TrimSpace(string(body)), "\n")
	const max = 400
	if len(line) > max {
		line = line[:max] + "..."
	}
	return line
}

// Answer says who gave the HTTP answer and, when it was not the one a
// scenario asked for, why: Envoy's L7 denial, Envoy's own reply when the
// upstream did not answer, the upstream refusing the request under its
// rate limit, or the upstream. It is "" when no HTTP answer came.
func (r Result) Answer() string {
	switch {
	case r.HTTPCode == 0:
		return ""
	case r.Expectation == Denied403:
		return fmt.Sprintf("Envoy: its L7 policy denied the request (%d %q)", r.HTTPCode, envoyDenial)
	case r.Expectation == EnvoyUpstreamError:
		return fmt.Sprintf("Envoy itself, which got no answer from the upstream (%d %q): the upstream is unreachable, or its chain does not verify against the policy's originatingTLS trust",
			r.HTTPCode, bodyMessage([]byte(r.Body)))
	case r.RateLimited != "":
		return fmt.Sprintf("the upstream, refusing the request under its rate limit (%d; %s): that is no interception failure; run offline (--upstream=local) or after the reset",
			r.HTTPCode, r.RateLimited)
	default:
		return fmt.Sprintf("the upstream (%d)", r.HTTPCode)
	}
}
