# WhatsApp Helpdesk — build and test. `make dist` builds the installable bundle, `make test` runs
# every test; both install what they need (Go modules, npm packages, Debian's chromium, the linter).

GO ?= go
GO_TEST_FLAGS ?= -race
NPM ?= npm
PLUGIN_ID := whatsapp-helpdesk
PLUGIN_VERSION := $(shell sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' plugin.json | head -1)
BUNDLE := dist/$(PLUGIN_ID)-$(PLUGIN_VERSION).tar.gz
GOBIN := $(shell $(GO) env GOPATH)/bin
GOLANGCI_LINT_VERSION := 2.15.0
GOLANGCI_LINT := $(GOBIN)/golangci-lint
LDFLAGS := -s -w
export CGO_ENABLED ?= 0

.PHONY: all dist manifest server webapp bundle deploy test check-style lint chromium go-test webapp-test bench fuzz clean

all: test dist

## dist: the installable bundle dist/whatsapp-helpdesk-<version>.tar.gz
dist: manifest server webapp bundle

## manifest: write plugin.json's id and version into server/manifest.go and webapp/src/manifest.ts
manifest:
	$(GO) run ./build/manifest

server: manifest
	cd server && GOOS=linux GOARCH=amd64 $(GO) build -trimpath -ldflags="$(LDFLAGS)" -o dist/plugin-linux-amd64 .
	cd server && GOOS=linux GOARCH=arm64 $(GO) build -trimpath -ldflags="$(LDFLAGS)" -o dist/plugin-linux-arm64 .

webapp/node_modules/.package-lock.json: webapp/package-lock.json webapp/package.json
	cd webapp && $(NPM) ci --no-audit --no-fund
	@touch $@

webapp: manifest webapp/node_modules/.package-lock.json
	cd webapp && $(NPM) run build

bundle:
	rm -rf dist/$(PLUGIN_ID) $(BUNDLE)
	mkdir -p dist/$(PLUGIN_ID)/server/dist dist/$(PLUGIN_ID)/webapp/dist
	cp plugin.json dist/$(PLUGIN_ID)/
	cp -r assets dist/$(PLUGIN_ID)/
	cp server/dist/plugin-linux-amd64 server/dist/plugin-linux-arm64 dist/$(PLUGIN_ID)/server/dist/
	cp webapp/dist/main.js dist/$(PLUGIN_ID)/webapp/dist/
	tar -C dist -czf $(BUNDLE) $(PLUGIN_ID)
	@echo "bundle: $(BUNDLE)"

## deploy: upload and enable the bundle on a running server (MM_SERVICESETTINGS_SITEURL, and
## MM_ADMIN_TOKEN or MM_ADMIN_USERNAME + MM_ADMIN_PASSWORD)
deploy: dist
	$(GO) run ./build/deploy $(PLUGIN_ID) $(BUNDLE)

## test: lint, Go tests (unit, binary-level through the real plugin RPC, bundle check), webapp tests
test: dist check-style go-test webapp-test

check-style: lint
	@test -z "$$(gofmt -l server)" || (echo "gofmt needed:"; gofmt -l server; exit 1)
	$(GO) vet ./...

lint:
	@$(GOLANGCI_LINT) version 2>/dev/null | grep -q "version $(GOLANGCI_LINT_VERSION)" || \
		(echo "installing golangci-lint v$(GOLANGCI_LINT_VERSION) (cached in $(GOBIN))"; \
		 CGO_ENABLED=0 GOFLAGS= $(GO) install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@v$(GOLANGCI_LINT_VERSION))
	$(GOLANGCI_LINT) run ./...

# The browser end-to-end test (server/bintest/e2e_test.go) needs Debian's chromium.
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
		echo "installing Debian's chromium for the browser tests"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-liberation; }

go-test: chromium
	WHATSAPP_HELPDESK_BUNDLE=$(CURDIR)/$(BUNDLE) WHATSAPP_HELPDESK_E2E=required CGO_ENABLED=1 \
		$(GO) test $(GO_TEST_FLAGS) -count=1 ./...

webapp-test: webapp/node_modules/.package-lock.json
	cd webapp && $(NPM) run check-types && $(NPM) run lint && $(NPM) test

## bench: ingest and outbound benchmarks through the real plugin RPC, with ratios to the floor, and
## the KV calls of a new conversation (10 / 1,000 waiting), of a people search (100 / 10,000) and
## of the panel's first ticket pages (100 / 10,000 tickets), the send rate of three nodes at once against the setting, and peak memory under a media burst.
## The plugin is built without the race detector here, as it would run in production.
## The ingest ratios move by about a tenth from one plugin process to the next on 2 cores, so
## each runs in five fresh processes; the README gives the median run and the range.
BENCH = HARNESS_PLUGIN_RACE=0 $(GO) test -run '^$$' -count=1 -benchmem ./server/bintest/ -bench
bench:
	$(BENCH) 'BenchmarkInboundText$$' -benchtime 5000x -count 5
	$(BENCH) 'BenchmarkInboundTextConcurrent$$' -benchtime 10000x -count 5
	$(BENCH) 'BenchmarkOutboundPaced$$' -benchtime 200x
	$(BENCH) 'BenchmarkOutboundPacedCluster$$' -benchtime 300x
	$(BENCH) 'BenchmarkMediaBurst$$' -benchtime 3x
	$(BENCH) 'BenchmarkInboundMemory$$' -benchtime 100000x
	$(BENCH) 'BenchmarkNewConversation$$' -benchtime 20x
	$(BENCH) 'BenchmarkPeopleSearch$$' -benchtime 50x
	$(BENCH) 'BenchmarkTicketList$$' -benchtime 20x
	$(GO) test -run '^$$' -count=1 ./server/store/ -bench 'BenchmarkIndexWrite$$' -benchtime 2000x

clean:
	rm -rf dist server/dist webapp/dist webapp/node_modules
