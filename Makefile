# orgguard: every target installs what it needs. `make test` and `make demo` are the two
# commands a newcomer runs; see README.md.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

NODE_MODULES_STAMP := node_modules/.package-lock.json
TSX := node_modules/.bin/tsx

# Node.js >= 22: the system's when new enough, else Node 24 LTS from the npm registry's official
# binary package, cached outside the repo. Its folder goes first on PATH, so npm, tsc, vitest, tsx
# and the orgguard CLI all run on it (their launchers say `#!/usr/bin/env node`).
NODE := $(patsubst NODE=%,%,$(shell hack/provision.sh node))
ifeq ($(NODE),)
$(error cannot provide Node.js >= 22: see the message above)
endif
export PATH := $(dir $(NODE)):$(PATH)

.PHONY: help
help: ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(NODE_MODULES_STAMP): package.json package-lock.json
	npm ci --no-fund --no-audit
	@touch $@

.PHONY: deps
deps: $(NODE_MODULES_STAMP) ## install npm packages (npm ci)

.PHONY: node
node: ## print the Node.js every target runs on (provisioned when the system's is older than 22)
	@echo "$(NODE) ($$(node --version))"

.PHONY: provision
provision: ## build or find kube-apiserver, etcd, helm and promtool, install moto, and Chromium, Lua and zsh from Debian (cached outside the repo)
	@hack/provision.sh all >/dev/null

.PHONY: build
build: deps ## compile TypeScript to dist/
	npm run --silent build

.PHONY: typecheck
typecheck: deps ## type-check everything (src, test, bench)
	npm run --silent typecheck

.PHONY: lint
lint: deps ## lint and check formatting (biome)
	npm run --silent lint

.PHONY: generate
generate: deps ## regenerate crds/ from the zod schemas
	npm run --silent generate

.PHONY: test
test: deps provision typecheck lint build ## install everything, then type-check, lint and run every test (the image's: make test-image)
	npx vitest run --project unit --project integration

VERSION := $(shell node -p 'require("./package.json").version')
IMAGE ?= orgguard:$(VERSION)

.PHONY: image
image: ## build the controller image (needs a Docker engine; IMAGE=name:tag to rename)
	@command -v docker >/dev/null && docker info >/dev/null 2>&1 || { echo "error: make image needs a running Docker engine (for example Debian's docker.io package, with dockerd started)"; exit 1; }
	docker build --network host -t $(IMAGE) .
	@docker image inspect $(IMAGE) --format 'built $(IMAGE): {{.Size}} bytes'

.PHONY: test-image
# No registry is needed: testcontainers' reaper image is not pulled (the test stops what it starts),
# and its containers use the host network, so the Docker host is loopback (no bridge is asked for).
test-image: deps build image ## build the image and run it with testcontainers against the local kube-apiserver and moto
	ORGGUARD_IMAGE=$(IMAGE) TESTCONTAINERS_RYUK_DISABLED=true TESTCONTAINERS_HOST_OVERRIDE=127.0.0.1 \
	  npx vitest run --project image

.PHONY: env-up
env-up: deps provision build ## start etcd, kube-apiserver and moto in the background, with the CRDs and a sample organization (writes .devenv/)
	@$(TSX) hack/devenv.ts up

.PHONY: env-down
env-down: deps ## stop what env-up started
	@$(TSX) hack/devenv.ts down

.PHONY: demo
demo: deps provision build ## orgguard end to end: local control plane + AWS emulator, examples applied and reconciled, drift repaired
	@$(TSX) hack/demo.ts

.PHONY: clean
clean: ## remove build output (the binary cache outside the repo is kept)
	rm -rf dist .devenv
