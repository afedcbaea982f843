// Package fakeupstream is what the offline fake upstream answers: the
// handler of the cmd/fake-upstream program, which runs in a container per
// name on kind's network, and of the agent provider's in-process stand-in
// for those containers (scenarios/kit/agentprobe). It uses only the
// standard library, so the program it is built into stays static.
package fakeupstream

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

// ReceivedHeaders is the body of /headers: every request header the
// server received, by name, each value as "sha256:<hex>" of its bytes. The
// digests let a test compare what arrived with a secret it knows without
// the secret travelling back to the client or into a log.
type ReceivedHeaders struct {
	FakeUpstream bool                `json:"fake_upstream"`
	Host         string              `json:"host"`
	Headers      map[string][]string `json:"headers"`
}

// HeaderDigest is how /headers writes a header value.
func HeaderDigest(value string) string {
	sum := sha256.Sum256([]byte(value))
	return "sha256:" + hex.EncodeToString(sum[:])
}

// Handler answers /healthz, /meta, /headers and, with 200, everything else.
func Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /meta", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, meta{Hooks: []string{"192.0.2.0/24"}, FakeUpstream: true, Host: r.Host})
	})
	mux.HandleFunc("/headers", func(w http.ResponseWriter, r *http.Request) {
		got := ReceivedHeaders{FakeUpstream: true, Host: r.Host, Headers: map[string][]string{}}
		for name, values := range r.Header {
			for _, v := range values {
				got.Headers[name] = append(got.Headers[name], HeaderDigest(v))
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
