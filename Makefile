# zhifa — the two commands of README.md, and the checks around them.
CACHE   ?= $(or $(ZHIFA_CACHE_DIR),$(HOME)/.cache/zhifa)
BIN     := $(CACHE)/bin/zhifa
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2
GOVULNCHECK := golang.org/x/vuln/cmd/govulncheck@v1.1.4

# The fuzz targets: package:function. Each gets FUZZTIME of Go's native fuzzing: a duration, or
# a number of inputs (3000x) — `make test` counts inputs, since a duration can run out while
# a worker is still starting its server on a busy machine ("context deadline exceeded").
FUZZ_TARGETS := app:FuzzCaseFiling app:FuzzRecordCreation app:FuzzTargetImport enforcement:FuzzRedaction
FUZZTIME ?= 3m

.PHONY: demo test build bench lint vuln services fuzz

services:
	deploy/services.sh
	deploy/fonts.sh

build:
	go build -o $(BIN) .

# Start what is missing, migrate, load the demo county and serve on :8080.
demo: services build
	$(BIN) migrate
	$(BIN) seed
	@# The demo's credit platform: the reference receiver of audit/EXCHANGE.md, beside zhifa.
	$(BIN) receive & receiver=$$!; trap 'kill $$receiver 2>/dev/null' EXIT INT TERM; $(BIN) serve

# Every test, against the real PostgreSQL, Redis and MinIO; then each fuzz target briefly.
test: services
	deploy/browser.sh
	ZHIFA_REQUIRE_BROWSER=1 ZHIFA_REQUIRE_REDIS_TOPOLOGIES=1 go test -race -count=1 -timeout 25m ./...
	$(MAKE) --no-print-directory fuzz FUZZTIME=3000x

# Go's native fuzzing over the request bodies and the redaction engine, FUZZTIME each. The
# demo county is seeded once, into a template database every target starts from.
fuzz: services
	@tpl=zt_fuzz_$$(date +%s)_$$$$; \
	ZHIFA_TEST_SEED_ONLY=$$tpl go test -count=1 -run '^$$' ./app || exit 1; \
	status=0; \
	for t in $(FUZZ_TARGETS); do \
		echo "fuzz $$t for $(FUZZTIME)"; \
		ZHIFA_TEST_SEEDED_TEMPLATE=$$tpl go test -run '^$$' -fuzz "^$${t#*:}$$" -fuzztime $(FUZZTIME) ./$${t%%:*} || { status=1; break; }; \
	done; \
	ZHIFA_TEST_DROP_TEMPLATE=$$tpl go test -count=1 -run '^$$' ./app; \
	exit $$status

bench: services
	go test -run '^$$' -bench . -benchmem -timeout 30m ./...

lint:
	go vet ./...
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo "gofmt would change the files above"; exit 1; }
	go run $(STATICCHECK) ./...

vuln:
	go run $(GOVULNCHECK) ./...
