package main

import npsecretsync "github.com/cilium/cilium/operator/pkg/networkpolicy/secretsync"

// policySecretSyncCell is the operator's cell registering the network
// policies' secrets for sync (operator/pkg/networkpolicy/secretsync from
// 1.20).
var policySecretSyncCell = npsecretsync.Cell
