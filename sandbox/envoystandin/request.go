package envoystandin

import (
	"net/http"
	"strings"
)

// Request is a decrypted HTTP request as Envoy's header map holds it: the
// pseudo-headers and the other headers. Header matches may change Header.
type Request struct {
	// Method is :method.
	Method string
	// Path is :path: the path with its query, as sent.
	Path string
	// Authority is :authority (the Host header of HTTP/1.1).
	Authority string
	// Header holds the other headers.
	Header http.Header
}

// RequestFrom reads a request as the proxy's HTTP connection manager
// would: :path is the request URI with its query, :authority the Host.
func RequestFrom(r *http.Request) *Request {
	h := r.Header.Clone()
	if h == nil {
		h = http.Header{}
	}
	return &Request{Method: r.Method, Path: r.URL.RequestURI(), Authority: r.Host, Header: h}
}

// values returns every value of the header name (lower-cased as Envoy's
// LowerCaseString does), and whether it is present.
func (q *Request) values(name string) ([]string, bool) {
	switch strings.ToLower(name) {
	case ":method":
		return []string{q.Method}, q.Method != ""
	case ":path":
		return []string{q.Path}, q.Path != ""
	case ":authority":
		return []string{q.Authority}, q.Authority != ""
	}
	v := q.Header.Values(name)
	return v, len(v) > 0
}

// allOf is HeaderUtility::getAllOfHeaderAsString: several values joined
// with ",".
func (q *Request) allOf(name string) (string, bool) {
	v, ok := q.values(name)
	return strings.Join(v, ","), ok
}

// remove is HeaderMap::remove.
func (q *Request) remove(name string) {
	if !q.setPseudo(name, "") {
		q.Header.Del(name)
	}
}

// add is HeaderMap::addCopy: one more value.
func (q *Request) add(name, value string) {
	if _, ok := q.values(name); ok && strings.HasPrefix(name, ":") {
		return // a pseudo-header has one value
	}
	if !q.setPseudo(name, value) {
		q.Header.Add(name, value)
	}
}

// set is HeaderMap::setCopy: the only value.
func (q *Request) set(name, value string) {
	if !q.setPseudo(name, value) {
		q.Header.Set(name, value)
	}
}

func (q *Request) setPseudo(name, value string) bool {
	switch strings.ToLower(name) {
	case ":method":
		q.Method = value
	case ":path":
		q.Path = value
	case ":authority":
		q.Authority = value
	default:
		return false
	}
	return true
}
