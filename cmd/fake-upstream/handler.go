package main

import (
	"net/http"

	"github.com/cilium-tls-intercept/sandbox/scenarios/kit/upstream/fakeupstream"
)

// receivedHeaders is the body of /headers.
type receivedHeaders = fakeupstream.ReceivedHeaders

// headerDigest is how /headers writes a header value.
func headerDigest(value string) string { return fakeupstream.HeaderDigest(value) }

// newHandler answers /healthz, /meta, /headers and, with 200, everything
// else (package fakeupstream, which the agent provider's in-process
// upstream serves too).
func newHandler() http.Handler { return fakeupstream.Handler() }
