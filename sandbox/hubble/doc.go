// Package hubble reads flows from Hubble Relay through Cilium's observer
// gRPC API, reached with a Kubernetes port-forward to the hubble-relay
// service. The scenarios find the L7 HTTP flow of a request the probe made
// (HTTPQuery); the doctor reads a workload's last flows to its TLS ports
// (PortQuery) and keeps them as `hubble observe -o jsonpb` lines
// (WriteJSONL, ReadJSONL). Building requests, matching and describing
// flows are pure functions.
package hubble
