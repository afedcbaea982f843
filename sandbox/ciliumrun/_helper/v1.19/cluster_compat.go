package main

import "github.com/cilium/cilium/operator/pkg/networkpolicy"

// policySecretSyncCell is the operator's cell registering the network
// policies' secrets for sync (operator/pkg/networkpolicy in 1.19).
var policySecretSyncCell = networkpolicy.SecretSyncCell
