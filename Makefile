# pnyx: `make test` is the one test command (README, .ci/run).
GO       ?= go
FUZZTIME ?= 5s

.PHONY: test vet fmtcheck unit fuzz build run

test: fmtcheck vet unit fuzz

build:
	$(GO) build -o pnyx ./cmd/pnyx

run:
	$(GO) run ./cmd/pnyx start

fmtcheck:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

unit:
	$(GO) test -count=1 -timeout 14m ./...

# Every fuzz target runs briefly; .ci/fuzz says why it may run one twice.
fuzz:
	GO=$(GO) FUZZTIME=$(FUZZTIME) bash .ci/fuzz
