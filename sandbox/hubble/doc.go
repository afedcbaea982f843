// Package hubble reads flows from Hubble Relay through Cilium's observer
// gRPC API, reached with a Kubernetes port-forward to the hubble-relay
// service, and finds the L7 HTTP flow of a request the probe made. The
// request building and flow matching are pure functions.
package hubble
