package upstream

// ChartValues returns the cilium-tls-intercept chart values that make Envoy
// trust the fake upstream: the fake public CA added, inline, to the upstream
// trust bundle (upstreamTrust.extraCertificates). The public roots stay, so
// pass-through and internet names keep working.
func ChartValues(caPEM []byte) map[string]any {
	return map[string]any{
		"upstreamTrust": map[string]any{
			"extraCertificates": string(caPEM),
		},
	}
}
