# perfwatch — build, test and benchmark. `make test` is every check the project has;
# .ci/run calls it on a fresh machine.

GO          ?= go
TOOLS       := $(CURDIR)/.cache/bin
STATICCHECK := $(TOOLS)/staticcheck
BENCHSTAT   := $(TOOLS)/benchstat
# VictoriaMetrics single-node and vmalert, for the long-term storage tests (e2e/victoria_*);
# the tests look for them in PATH, then here.
VICTORIA    := v1.151.0
VMSINGLE    := $(TOOLS)/victoria-metrics
VMALERT     := $(TOOLS)/vmalert
COUNT       ?= 8
BENCHTIME   ?= 1s

# The library applications import is a module of its own (instrument/, and its
# OpenTelemetry adapter); the root module uses both through replace directives.
MODULES     := . instrument instrument/otelexemplar

.PHONY: all build test unit lint generated rules bench tools victoriametrics clean demo

all: build

## build: compile every package and the binaries into bin/
build:
	$(GO) build ./...
	@mkdir -p bin
	@for d in cmd/*/; do [ -f $$d/main.go ] || continue; \
		echo "$(GO) build -o bin/$$(basename $$d) ./$$d"; $(GO) build -o bin/$$(basename $$d) ./$$d || exit 1; done

## demo: the whole stack as local processes (Prometheus, Alertmanager, exporter, demo app with traffic)
demo:
	scripts/demo.sh

## test: lint, generated-code check, rules and routing checks, and every test with the race detector
test: lint generated rules unit

unit:
	@for m in $(MODULES); do echo "== $$m"; (cd $$m && $(GO) test -race -count=1 -timeout 30m ./...) || exit 1; done

## lint: go vet, gofmt, staticcheck
lint: $(STATICCHECK)
	@for m in $(MODULES); do echo "$(GO) vet ($$m)"; (cd $$m && $(GO) vet ./...) || exit 1; done
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
		if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	@for m in $(MODULES); do echo "staticcheck ($$m)"; (cd $$m && $(STATICCHECK) ./...) || exit 1; done

## generated: fail when generated code differs from what its generator writes (the
## browser snippet included: rebuilt from rum/ with the pinned esbuild, and its tests)
generated:
	@cd instrument && $(GO) run gen_writers.go -o $(CURDIR)/.cache/writer_combos.go && \
		cmp -s $(CURDIR)/.cache/writer_combos.go writer_combos.go || \
		{ echo "instrument/writer_combos.go is stale: run go generate ./instrument"; exit 1; }
	bash scripts/check-rum.sh

## rules: promtool lint and unit tests of rules/, amtool check of alertmanager.yml
## (routing cases, generated-file and runbook checks run as Go tests in `unit`)
rules:
	promtool check rules --lint=all --lint-fatal rules/*.rules.yml
	promtool test rules rules/tests/*.yml
	amtool check-config alertmanager.yml

## bench: the middleware benchmarks, $(COUNT) runs each, summarised by benchstat
bench: $(BENCHSTAT)
	@mkdir -p .cache
	cd instrument && $(GO) test -run '^$$' -bench 'BenchmarkMiddleware' -benchtime $(BENCHTIME) -count $(COUNT) . | tee $(CURDIR)/.cache/bench-instrument.txt
	$(BENCHSTAT) -col /.name .cache/bench-instrument.txt

tools: $(STATICCHECK) $(BENCHSTAT) victoriametrics

## victoriametrics: the pinned VictoriaMetrics and vmalert (through the Go module proxy) into .cache/bin
victoriametrics: $(VMSINGLE) $(VMALERT)

$(STATICCHECK):
	@mkdir -p $(TOOLS)
	GOBIN=$(TOOLS) $(GO) install honnef.co/go/tools/cmd/staticcheck@v0.8.2

$(BENCHSTAT):
	@mkdir -p $(TOOLS)
	GOBIN=$(TOOLS) $(GO) install golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da

$(VMSINGLE) $(VMALERT):
	@mkdir -p $(TOOLS)
	GOBIN=$(TOOLS) $(GO) install github.com/VictoriaMetrics/VictoriaMetrics/app/$(notdir $@)@$(VICTORIA)

clean:
	rm -rf bin .cache
