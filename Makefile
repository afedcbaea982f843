# Cilium TLS interception sandbox. `make help` lists the targets.
GO           ?= go
# The sandbox targets run bin/sandbox, rebuilt when its sources change.
SANDBOX      := bin/sandbox
# CILIUM_VERSION goes, as --cilium-version, to every target whose command
# takes it. The other options go to the command a target runs:
# SANDBOX_ARGS to up, plan, status and down (which share up's options),
# RENDER_ARGS, DOCTOR_ARGS and MATRIX_ARGS to theirs (`bin/sandbox CMD --help`).
CILIUM_VERSION ?=
SANDBOX_ARGS ?=
RENDER_ARGS  ?=
DOCTOR_ARGS  ?=
MATRIX_ARGS  ?=
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
TEST_STAGES  ?= fmt-check check-tracked modules+controlplane unit test-hermetic test-agent
# The platforms users run besides linux/amd64 (macOS with Docker Desktop, and
# arm64 Linux): `make cross` vets every package and test for each. The agent
# tier's helpers (sandbox/ciliumrun) run on Linux only; elsewhere its tests skip.
CROSS_PLATFORMS ?= darwin/arm64 darwin/amd64 linux/arm64

.PHONY: help test unit vet cross test-releases fmt-check check-tracked lint build controlplane test-hermetic test-agent tidy modules \
	sandbox sandbox-down sandbox-plan sandbox-status sandbox-live-test e2e \
	doctor render matrix matrix-plan golden crds FORCE

help: ## list targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | expand -t 20

## --- tests that need no Docker (CI runs `make test`) ---

test: ## every stage that needs no cluster, each even when one fails, then a table of results and seconds
	@MAKE="$(MAKE)" bash .ci/stages $(TEST_STAGES)

modules: ## download the Go modules the tests build from (once per machine)
	$(GO) mod download

unit: ## unit, chart, validation, doctor, probe and Docker-daemon tests of every package but ./scenarios, vetted in the same build
	$(GO) test $(TEST_FLAGS) $(UNIT_PKGS)
	$(GO) vet $(UNTESTED_PKGS)

test-hermetic: controlplane ## the scenarios against a real kube-apiserver+etcd with cert-manager's and trust-manager's controllers, and the release's own operator and agent in a helper (the agent tier)
	$(GO) test $(TEST_FLAGS) ./scenarios -args --provider=hermetic

test-agent: controlplane ## the scenarios' features on the agent provider: the release's agent in a helper and the Envoy stand-in, no kernel
	$(GO) test $(TEST_FLAGS) ./scenarios -args --provider=agent

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

test-releases: controlplane ## the release tests (./releases): lint --agent on each Cilium minor's default patch (a helper per release, minutes each cold), then helper and run seconds per release
	@timings=$$(mktemp); \
	RELEASES_TIMINGS=$$timings $(GO) test -tags releases -count=1 -timeout 60m ./releases/...; rc=$$?; \
	echo "--- per release: helper built (cold) or cached, and the lint --agent run"; \
	cat $$timings; rm -f $$timings; exit $$rc

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

build: bin/sandbox ## build bin/sandbox (stamped with the git commit), when its sources changed

# What bin/sandbox is built from: its packages, the files it embeds, the
# module files, and the commit it is stamped with (bin/.commit changes when
# HEAD or the checkout's cleanliness does).
SANDBOX_SRCS := $(shell find cmd/sandbox sandbox charts -type f -not -path '*/testdata/*' -not -name '*_test.go' 2>/dev/null) \
	embed.go kind-config.yaml go.mod go.sum
SANDBOX_COMMIT   = $(shell git rev-parse HEAD 2>/dev/null)
SANDBOX_MODIFIED = $(shell git status --porcelain 2>/dev/null | grep -q . && echo true || echo false)
APP := github.com/cilium-tls-intercept/sandbox/cmd/sandbox/app

bin/.commit: FORCE
	@mkdir -p bin; stamp='$(SANDBOX_COMMIT) $(SANDBOX_MODIFIED)'; \
	[ "$$(cat $@ 2>/dev/null)" = "$$stamp" ] || echo "$$stamp" > $@

bin/sandbox: $(SANDBOX_SRCS) bin/.commit
	@echo "building bin/sandbox (the first build compiles for minutes and fills about 1.1 GB of Go build cache; later ones take seconds)" >&2
	$(GO) build -ldflags "-X $(APP).buildCommit=$(SANDBOX_COMMIT) -X $(APP).buildModified=$(SANDBOX_MODIFIED)" -o $@ ./cmd/sandbox

FORCE:

## --- the sandbox (needs Docker and internet) ---

sandbox: bin/sandbox ## bring up the kind sandbox (idempotent); CILIUM_VERSION=1.18, SANDBOX_ARGS="--set k=v"
	$(SANDBOX) up $(cilium) $(SANDBOX_ARGS)

sandbox-down: bin/sandbox ## delete the kind sandbox; SANDBOX_ARGS="--cluster-name NAME"
	$(SANDBOX) down $(SANDBOX_ARGS)

sandbox-plan: bin/sandbox ## print what `make sandbox` would create (no Docker needed); CILIUM_VERSION, SANDBOX_ARGS as for sandbox
	$(SANDBOX) plan $(cilium) $(SANDBOX_ARGS)

sandbox-status: bin/sandbox ## show the sandbox's cluster, releases and readiness; CILIUM_VERSION= checks that release runs
	$(SANDBOX) status $(cilium) $(SANDBOX_ARGS)

sandbox-live-test: ## bring the sandbox up twice on a Docker host; the second run must change nothing
	SANDBOX_LIVE=1 $(GO) test -count=1 -run TestUpLive -timeout 30m ./sandbox/pipeline

e2e: ## the scenarios against the sandbox, JUnit in .sandbox/; E2E_ARGS="--upstream=local --labels scenario=intercept"
	@mkdir -p $(dir $(E2E_JUNIT))
	$(GO) tool gotestsum --format testname --junitfile $(E2E_JUNIT) -- -count=1 -timeout 60m ./scenarios -args $(E2E_ARGS)

doctor: bin/sandbox ## say why interception is not active (the sandbox's cluster, or KUBECONFIG); DOCTOR_ARGS="-n my-app"
	$(call unused,DOCTOR_ARGS)
	$(SANDBOX) doctor $(DOCTOR_ARGS)

render: bin/sandbox ## print the interception chart's manifests; CILIUM_VERSION=1.18, RENDER_ARGS="-f values.yaml"
	$(call unused,RENDER_ARGS)
	$(SANDBOX) render $(cilium) $(RENDER_ARGS)

matrix: bin/sandbox ## the scenarios across Cilium 1.16-1.20 on fresh kind clusters (needs Docker); CILIUM_VERSION=1.18,1.20, MATRIX_ARGS
	$(call unused,MATRIX_ARGS)
	$(SANDBOX) matrix $(cilium) $(MATRIX_ARGS)

matrix-plan: bin/sandbox ## what `make matrix` would run (no Docker); CILIUM_VERSION, MATRIX_ARGS as for matrix
	$(call unused,MATRIX_ARGS)
	$(SANDBOX) matrix --dry-run $(cilium) $(MATRIX_ARGS)

cilium = $(if $(CILIUM_VERSION),--cilium-version $(CILIUM_VERSION))
# unused says, when SANDBOX_ARGS is set, that this target's command takes
# its options from the variable named instead (the text is a variable of
# its own: a comma in $(if ...)'s arguments would split them).
unused_note = note: SANDBOX_ARGS are options of up, plan, status and down; this target takes
unused = $(if $(SANDBOX_ARGS),@echo "$(unused_note) $(1)" >&2)
