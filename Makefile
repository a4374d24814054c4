# zhifa — the two commands of README.md, and the checks around them.
CACHE   ?= $(or $(ZHIFA_CACHE_DIR),$(HOME)/.cache/zhifa)
BIN     := $(CACHE)/bin/zhifa
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2
GOVULNCHECK := golang.org/x/vuln/cmd/govulncheck@v1.1.4

.PHONY: demo test build bench lint vuln services

services:
	deploy/services.sh

build:
	go build -o $(BIN) .

# Start what is missing, migrate, load the demo county and serve on :8080.
demo: services build
	$(BIN) migrate
	$(BIN) seed
	$(BIN) serve

# Every test, against the real PostgreSQL, Redis and MinIO.
test: services
	deploy/browser.sh
	ZHIFA_REQUIRE_BROWSER=1 go test -race -count=1 -timeout 20m ./...

bench: services
	go test -run '^$$' -bench . -benchmem -timeout 30m ./...

lint:
	go vet ./...
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo "gofmt would change the files above"; exit 1; }
	go run $(STATICCHECK) ./...

vuln:
	go run $(GOVULNCHECK) ./...
