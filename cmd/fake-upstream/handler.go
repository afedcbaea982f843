package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
)

// meta is the body of /meta, shaped like a small part of GitHub's answer.
type meta struct {
	VerifiablePasswordAuthentication bool     `json:"verifiable_password_authentication"`
	Hooks                            []string `json:"hooks"`
	FakeUpstream                     bool     `json:"fake_upstream"`
	Host                             string   `json:"host"`
}

// echo is the body of every other path.
type echo struct {
	FakeUpstream bool   `json:"fake_upstream"`
	Method       string `json:"method"`
	Host         string `json:"host"`
	Path         string `json:"path"`
}

// receivedHeaders is the body of /headers: every request header the
// server received, by name, each value as "sha256:<hex>" of its bytes. The
// digests let a test compare what arrived with a secret it knows without
// the secret travelling back to the client or into a log.
type receivedHeaders struct {
	FakeUpstream bool                `json:"fake_upstream"`
	Host         string              `json:"host"`
	Headers      map[string][]string `json:"headers"`
}

// headerDigest is how /headers writes a header value.
func headerDigest(value string) string {
	sum := sha256.Sum256([]byte(value))
	return "sha256:" + hex.EncodeToString(sum[:])
}

// newHandler answers /healthz, /meta, /headers and, with 200, everything else.
func newHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /meta", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, meta{Hooks: []string{"192.0.2.0/24"}, FakeUpstream: true, Host: r.Host})
	})
	mux.HandleFunc("/headers", func(w http.ResponseWriter, r *http.Request) {
		got := receivedHeaders{FakeUpstream: true, Host: r.Host, Headers: map[string][]string{}}
		for name, values := range r.Header {
			for _, v := range values {
				got.Headers[name] = append(got.Headers[name], headerDigest(v))
			}
		}
		writeJSON(w, got)
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, echo{FakeUpstream: true, Method: r.Method, Host: r.Host, Path: r.URL.Path})
	})
	return mux
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	json.NewEncoder(w).Encode(v)
}
