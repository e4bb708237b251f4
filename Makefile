# pnyx: `make test` is the one test command (README, .ci/run).
GO       ?= go
FUZZTIME ?= 5s

.PHONY: test vet fmtcheck unit netdrill fuzz build run portal portal-check webtest web-e2e

test: fmtcheck vet portal-check webtest unit netdrill fuzz web-e2e

build:
	$(GO) build -o pnyx ./cmd/pnyx

run:
	$(GO) run ./cmd/pnyx start

fmtcheck:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

# tools/treebench is a module of its own (it measures memiavl, which pnyx
# does not depend on); its test holds it to the tree pnyx's store builds.
unit:
	$(GO) test -count=1 -timeout 14m ./...
	cd tools/treebench && $(GO) vet . && $(GO) test -count=1 .

# The fault drills: 4 validators and a sentry as separate processes on hosts
# made of Linux network namespaces (internal/netdrill). They need root and
# iproute2 and skip, saying why, without; they run alone, after the unit
# tests, because they measure recovery on a quiet machine (3–4 minutes).
netdrill:
	PNYX_NETDRILL=1 $(GO) test -count=1 -timeout 14m -v -run 'TestDrills$$|TestValidatorDrill$$|TestKillInsideASave$$' ./internal/netdrill

# Every fuzz target runs briefly; .ci/fuzz says why it may run one twice.
fuzz:
	GO=$(GO) FUZZTIME=$(FUZZTIME) bash .ci/fuzz

# The member portal (web/, TypeScript + Vite). Its built assets are committed
# under internal/portal/dist so `go run ./cmd/pnyx start` serves it from a
# fresh clone; portal-check builds again into a temporary folder and fails if
# the committed assets are not exactly what the sources build.
WEB := web
WEB_DEPS := $(WEB)/node_modules/.package-lock.json

$(WEB_DEPS): $(WEB)/package-lock.json $(WEB)/package.json
	cd $(WEB) && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund
	@touch $@

portal: $(WEB_DEPS)
	cd $(WEB) && npx tsc --noEmit -p . && npx vite build

portal-check: $(WEB_DEPS)
	@set -e; tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	cd $(WEB) && npx tsc --noEmit -p . && \
	PORTAL_OUT_DIR="$$tmp/dist" npx vite build --logLevel error && \
	if ! diff -r "$$tmp/dist" ../internal/portal/dist; then \
	  echo "internal/portal/dist is not what web/ builds: run make portal and commit it"; exit 1; fi; \
	echo "portal-check: internal/portal/dist matches web/"

# Unit and cross-implementation vector tests of the portal (vitest).
webtest: $(WEB_DEPS)
	cd $(WEB) && npx vitest run

# The browser test: a real node, Debian's Chromium driven by playwright-core,
# axe-core on every page; screenshots land in web/artifacts/.
# One pnyx binary serves every browser test file (each starts its own node on
# free ports); two files run at a time, as most of their time is spent
# waiting for blocks and election windows rather than on the CPU. The two
# election files start first: each is longer than all the others together,
# so the others fill the second slot around them.
WEB_E2E_FIRST := e2e/console.test.mjs e2e/booth.test.mjs
web-e2e: $(WEB_DEPS)
	@set -e; tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	$(GO) build -o "$$tmp/pnyx" ./cmd/pnyx; \
	cd $(WEB) && rest=$$(ls e2e/*.test.mjs | grep -vxF $(addprefix -e ,$(WEB_E2E_FIRST))); \
	PNYX_BIN="$$tmp/pnyx" node --test --test-concurrency=2 --test-reporter=spec $(WEB_E2E_FIRST) $$rest
