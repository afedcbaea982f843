# Cilium TLS interception sandbox. `make help` lists the targets.
GO           ?= go
SANDBOX      := $(GO) run ./cmd/sandbox
SANDBOX_ARGS ?=
E2E_ARGS     ?=
E2E_JUNIT    ?= .sandbox/e2e-junit.xml
# ./scenarios is left out of `unit`: on a machine with Docker it would bring up
# the kind sandbox. `test-hermetic` runs it against the hermetic control plane.
UNIT_PKGS     = $(shell $(GO) list ./... | grep -v '/scenarios$$')
# go test vets only packages with tests; `unit` vets these others itself.
UNTESTED_PKGS = $(shell $(GO) list -f '{{if not (or .TestGoFiles .XTestGoFiles)}}{{.ImportPath}}{{end}}' ./...)
# Every stage builds with the same flags, so each package is compiled and
# vetted once and later stages (and later test tiers) reuse the build cache.
# -vet=all is `go vet`'s full set of analyzers, run within go test's build.
TEST_FLAGS   ?= -vet=all -count=1
# The stages of `make test`; '+' runs targets concurrently (the module
# download overlaps the control-plane build, which needs only its own).
TEST_STAGES  ?= fmt-check check-tracked modules+controlplane unit test-hermetic
# The platforms users run besides linux/amd64 (macOS with Docker Desktop, and
# arm64 Linux): `make cross` vets every package and test for each. The agent
# tier (scenarios/kit/agent, scenarios/*agent*_test.go) is Linux-only.
CROSS_PLATFORMS ?= darwin/arm64 darwin/amd64 linux/arm64

.PHONY: help test unit vet cross fmt-check check-tracked lint build controlplane test-hermetic tidy modules \
	sandbox sandbox-down sandbox-plan sandbox-status sandbox-live-test e2e \
	doctor render matrix matrix-plan golden crds

help: ## list targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | expand -t 20

## --- tests that need no Docker (CI runs `make test`) ---

test: ## every stage that needs no cluster, each even when one fails, then a table of results and seconds
	@MAKE="$(MAKE)" bash .ci/stages $(TEST_STAGES)

modules: ## download the Go modules the tests build from (once per machine)
	$(GO) mod download

unit: ## unit, chart, validation, doctor, probe and Docker-daemon tests of every package but ./scenarios, vetted in the same build
	$(GO) test $(TEST_FLAGS) $(UNIT_PKGS)
	$(GO) vet $(UNTESTED_PKGS)

test-hermetic: controlplane ## the scenarios against a real kube-apiserver+etcd with cert-manager's and trust-manager's controllers, and Cilium's operator and agent in-process (the agent tier, --labels tier=agent)
	$(GO) test $(TEST_FLAGS) ./scenarios -args --provider=hermetic

controlplane: ## build kube-apiserver and etcd for the hermetic control plane (once per machine, cached in ~/.cache)
	$(GO) run ./cmd/controlplane-build

vet: ## go vet (make test runs the same analyzers in its unit stage)
	$(GO) vet ./...

cross: ## go vet every package and test for macOS (arm64, amd64) and linux/arm64; CI runs it beside make test
	@failed=""; for p in $(CROSS_PLATFORMS); do \
		echo "=== go vet ./... for $$p"; start=$$(date +%s); \
		if GOOS=$${p%/*} GOARCH=$${p#*/} $(GO) vet ./...; then r=pass; else r=FAIL; failed="$$failed $$p"; fi; \
		echo "--- $$p: $$r ($$(($$(date +%s) - start))s)"; \
	done; \
	if [ -n "$$failed" ]; then echo "cross: vet failed for$$failed"; exit 1; fi

fmt-check: ## fail when gofmt would change a file
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

check-tracked: ## fail when a tracked file is a compiled binary or larger than 1 MiB
	@bad=$$(git ls-files -z 2>/dev/null | perl -0ne 'chomp; next unless -f; \
		if (-s _ > 1048576) { print "  $$_\n"; next } open(my $$fh, "<", $$_) or next; \
		read($$fh, my $$head, 4); print "  $$_\n" if $$head eq "\x7fELF"'); \
	if [ -n "$$bad" ]; then echo "tracked files that are binaries or over 1 MiB (build outputs belong in bin/):"; echo "$$bad"; exit 1; fi

lint: fmt-check check-tracked vet ## static checks, and actionlint over .github/workflows
	$(GO) tool actionlint .github/workflows/*.yaml

# `go mod tidy` alone fails: the tests of Cilium's operator/pkg/secretsync
# (which the agent tier runs) import operator/pkg/gateway-api/helpers, which
# imports sigs.k8s.io/mcs-api/controllers v0.5.2, a version the Go module
# proxy does not serve. -e keeps going past it; nothing this module builds or
# tests imports that package.
tidy: ## go mod tidy (with -e, see the comment above this target)
	$(GO) mod tidy -e

golden: ## refresh golden files after an intended change (review the diff)
	$(GO) test ./sandbox/intercept ./sandbox/validate ./sandbox/doctor ./sandbox/cilium ./sandbox/certmanager \
		./sandbox/matrix ./sandbox/lint ./scenarios/kit/upstream ./cmd/sandbox/app -update

crds: ## refresh sandbox/crds/files after bumping cert-manager or trust-manager
	$(GO) generate ./sandbox/crds

build: ## build bin/sandbox
	$(GO) build -o bin/sandbox ./cmd/sandbox

## --- the sandbox (needs Docker and internet) ---

sandbox: ## bring up the kind sandbox (idempotent); SANDBOX_ARGS="--cilium-version=1.18"
	$(SANDBOX) up $(SANDBOX_ARGS)

sandbox-down: ## delete the kind sandbox
	$(SANDBOX) down $(SANDBOX_ARGS)

sandbox-plan: ## print what `make sandbox` would create (no Docker needed)
	$(SANDBOX) plan $(SANDBOX_ARGS)

sandbox-status: ## show the sandbox's cluster, releases and readiness
	$(SANDBOX) status $(SANDBOX_ARGS)

sandbox-live-test: ## bring the sandbox up twice on a Docker host; the second run must change nothing
	SANDBOX_LIVE=1 $(GO) test -count=1 -run TestUpLive -timeout 30m ./sandbox/pipeline

e2e: ## the scenarios against the sandbox, JUnit in .sandbox/; E2E_ARGS="--upstream=local --labels scenario=intercept"
	@mkdir -p $(dir $(E2E_JUNIT))
	$(GO) tool gotestsum --format testname --junitfile $(E2E_JUNIT) -- -count=1 -timeout 60m ./scenarios -args $(E2E_ARGS)

doctor: ## say why interception is not active (the sandbox's cluster, or KUBECONFIG)
	$(SANDBOX) doctor $(SANDBOX_ARGS)

render: ## print the interception chart's manifests; SANDBOX_ARGS="--cilium-version 1.18 -f values.yaml"
	$(SANDBOX) render $(SANDBOX_ARGS)

matrix: ## the scenarios across Cilium 1.16-1.20 on fresh kind clusters (needs Docker)
	$(SANDBOX) matrix $(SANDBOX_ARGS)

matrix-plan: ## what `make matrix` would run (no Docker)
	$(SANDBOX) matrix --dry-run $(SANDBOX_ARGS)
