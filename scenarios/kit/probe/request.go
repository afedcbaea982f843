package probe

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// DefaultMaxTime bounds one curl run when Request.MaxTime is zero.
const DefaultMaxTime = 15 * time.Second

// writeOutMarker separates the response body from curl's --write-out block.
const writeOutMarker = "\n==cilium-tls-intercept-probe==\n"

// headersEnd ends the response headers' JSON in the --write-out block.
const headersEnd = "\n==cilium-tls-intercept-probe-headers-end==\n"

// writeOut is curl's --write-out format: the marker, then one key=value per
// line (local_port is the TCP source port curl used, which names the
// connection in Hubble's flows without a clock), then the response headers (%{header_json}, curl 7.83+: lowercase
// names, each with its values) up to headersEnd, then the served chain
// (%{certs}: text and PEM of every certificate).
const writeOut = writeOutMarker +
	"http_code=%{http_code}\n" +
	"ssl_verify_result=%{ssl_verify_result}\n" +
	"num_certs=%{num_certs}\n" +
	"local_port=%{local_port}\n" +
	"headers=%{header_json}" + headersEnd +
	"%{certs}"

// Request is one HTTPS request made with curl.
type Request struct {
	// URL is the https URL to request.
	URL string
	// Method is the HTTP method; GET when empty.
	Method string
	// Resolve are curl --resolve entries (host:port:address), used to send a
	// name to a chosen address without DNS.
	Resolve []string
	// MaxTime bounds the whole request (curl --max-time); DefaultMaxTime when zero.
	MaxTime time.Duration
	// ConnectTimeout bounds the TCP connect (curl --connect-timeout); MaxTime when zero.
	ConnectTimeout time.Duration
	// Header are request headers as "Name: value" (curl --header).
	Header []string
}

// Host returns the host name of the request's URL.
func (r Request) Host() string {
	u, err := url.Parse(r.URL)
	if err != nil {
		return ""
	}
	return u.Hostname()
}

// Command returns the curl command line for the request. The chain is fetched
// with --insecure so that any served certificate is captured; it is verified
// afterwards in Go against the expected roots, never trusted by curl.
func (r Request) Command() ([]string, error) {
	u, err := url.Parse(r.URL)
	if err != nil {
		return nil, fmt.Errorf("request url %q: %w", r.URL, err)
	}
	if u.Scheme != "https" || u.Hostname() == "" {
		return nil, fmt.Errorf("request url %q: want https://host/path", r.URL)
	}
	method := r.Method
	if method == "" {
		method = "GET"
	}
	if strings.ContainsAny(method, " \t\r\n") {
		return nil, fmt.Errorf("request method %q: contains white space", method)
	}
	maxTime := r.MaxTime
	if maxTime <= 0 {
		maxTime = DefaultMaxTime
	}
	connect := r.ConnectTimeout
	if connect <= 0 || connect > maxTime {
		connect = maxTime
	}
	argv := []string{"curl", "--silent", "--show-error", "--insecure",
		"--request", method,
		"--max-time", seconds(maxTime),
		"--connect-timeout", seconds(connect),
		"--write-out", writeOut,
	}
	for _, h := range r.Header {
		name, _, ok := strings.Cut(h, ":")
		if !ok || name == "" || strings.ContainsAny(h, "\r\n") {
			return nil, fmt.Errorf("request header %q: want \"Name: value\" on one line", h)
		}
		argv = append(argv, "--header", h)
	}
	for _, e := range r.Resolve {
		if strings.Count(e, ":") < 2 {
			return nil, fmt.Errorf("resolve entry %q: want host:port:address", e)
		}
		argv = append(argv, "--resolve", e)
	}
	return append(argv, r.URL), nil
}

// seconds formats d for curl's fractional-seconds options.
func seconds(d time.Duration) string {
	return strconv.FormatFloat(d.Seconds(), 'f', -1, 64)
}
