package main

import (
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

// newHandler answers /healthz, /meta and, with 200, everything else.
func newHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /meta", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, meta{Hooks: []string{"192.0.2.0/24"}, FakeUpstream: true, Host: r.Host})
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
