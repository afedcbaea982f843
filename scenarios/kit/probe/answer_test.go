package probe

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// githubRateLimited is GitHub's answer to an unauthenticated client over
// its primary rate limit (docs.github.com, "Rate limits for the REST API").
const githubRateLimited = `{"message":"API rate limit exceeded for 203.0.113.7. (But here's the good news: Authenticated requests get a higher rate limit. Check out the documentation for more details.)","documentation_url":"https://docs.github.com/rest/overview/resources-in-the-rest-api#rate-limiting"}`

// upstreamAnswers are the local servers' answers, by path, standing for
// what an intercepted request may meet behind Envoy: GitHub's rate limits,
// Envoy's own reply when the upstream's chain does not verify (as Envoy
// words it), and an upstream's own 503.
var upstreamAnswers = map[string]func(http.ResponseWriter){
	"/rate-limited": func(w http.ResponseWriter) {
		w.Header().Set("X-RateLimit-Limit", "60")
		w.Header().Set("X-RateLimit-Remaining", "0")
		w.Header().Set("X-RateLimit-Reset", "1798761600")
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(http.StatusForbidden)
		w.Write([]byte(githubRateLimited))
	},
	"/secondary-rate-limit": func(w http.ResponseWriter) {
		w.Header().Set("Retry-After", "60")
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(http.StatusTooManyRequests)
		w.Write([]byte(`{"message":"You have exceeded a secondary rate limit. Please wait a few minutes before you try again."}`))
	},
	"/envoy-upstream-error": func(w http.ResponseWriter) {
		http.Error(w, "upstream connect error or disconnect/reset before headers. retried and the latest reset reason: remote connection failure, "+
			"transport failure reason: TLS_error:|268435581:SSL routines:OPENSSL_internal:CERTIFICATE_VERIFY_FAILED:TLS_error_end", http.StatusServiceUnavailable)
	},
	"/unavailable": func(w http.ResponseWriter) {
		http.Error(w, `{"message":"Service Unavailable"}`, http.StatusServiceUnavailable)
	},
}

// wantAnswers are, per probe case, what Answer must say.
var wantAnswers = map[string][]string{
	"rate-limited":         {"rate limit", "x-ratelimit-remaining: 0, resets at 2027-01-01T00:00:00Z", "API rate limit exceeded", "no interception failure"},
	"secondary-rate-limit": {"rate limit", "secondary rate limit"},
	"envoy-upstream-error": {"Envoy itself", "no answer from the upstream", "CERTIFICATE_VERIFY_FAILED"},
	"upstream-503":         {"the upstream (503)"},
	"upstream-403":         {"the upstream (403)"},
	"denied":               {"Envoy: its L7 policy denied the request"},
	"intercepted":          {"the upstream (200)"},
}

// assertAnswer checks what Answer says of a probe case, and that only a
// rate-limited answer reads as one.
func assertAnswer(t *testing.T, name string, res Result) {
	t.Helper()
	a := res.Answer()
	for _, want := range wantAnswers[name] {
		if !strings.Contains(a, want) {
			t.Errorf("Answer() = %q, want it to say %q", a, want)
		}
	}
	if limited := strings.Contains(name, "rate-limit"); limited != (res.RateLimited != "") {
		t.Errorf("RateLimited = %q for case %s", res.RateLimited, name)
	}
}

// TestUnexpectedNamesTheAnswer: a failed expectation says who answered,
// so a rate-limited GitHub does not read as a failed interception.
func TestUnexpectedNamesTheAnswer(t *testing.T) {
	res := Classify(&Response{HTTPCode: 403, Body: []byte(githubRateLimited),
		Header: map[string][]string{"x-ratelimit-remaining": {"0"}}}, "api.github.com", nil, time.Now())
	err := res.Expect(Intercepted)
	if err == nil || !strings.Contains(err.Error(), "answered by the upstream, refusing the request under its rate limit") {
		t.Errorf("error %v, want it to name the rate limit", err)
	}
}
