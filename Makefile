# Cilium TLS interception sandbox. `make help` lists the targets.
GO       ?= go
SANDBOX  := $(GO) run ./cmd/sandbox
PKGS     := ./...

.PHONY: help test unit vet fmt-check lint sandbox sandbox-down e2e build

help: ## list targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | expand -t 18

test: fmt-check vet unit ## everything that runs without Docker: gofmt, go vet, unit, chart and offline tests

unit: ## go test of every package (live tests skip with what they need)
	$(GO) test -count=1 $(PKGS)

vet: ## go vet
	$(GO) vet $(PKGS)

fmt-check: ## fail when gofmt would change a file
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

lint: fmt-check vet ## static checks

build: ## build bin/sandbox
	$(GO) build -o bin/sandbox ./cmd/sandbox

sandbox: ## bring up the kind sandbox (idempotent)
	$(SANDBOX) up

sandbox-down: ## delete the kind sandbox
	$(SANDBOX) down
