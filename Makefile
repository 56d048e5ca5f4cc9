# Guise — `make help` lists every target.
# `make run` and `make test` install what is missing first (apt packages, the
# wails CLI, npm modules); each step is skipped when already done.

SHELL := /bin/bash
.DEFAULT_GOAL := help

GOBIN      := $(shell go env GOPATH)/bin
WAILS      := $(GOBIN)/wails
WAILS_VER  := v2.16.0
TAGS       := desktop,production,webkit2_41
VERSION    ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT     ?= $(shell git rev-parse HEAD 2>/dev/null)
DATE       ?= $(shell date -u +%Y-%m-%dT%H:%M:%SZ)
LDFLAGS    := -s -w -X main.version=$(VERSION) -X main.commit=$(COMMIT) -X main.date=$(DATE)
BIN        := build/bin/guise
ARTIFACTS  := build/test-artifacts
SUDO       := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT_PKGS   := libgtk-3-dev libwebkit2gtk-4.1-dev pkg-config xvfb xauth imagemagick dbus dbus-x11 \
              xdotool gnome-keyring xdg-utils chromium chromium-driver
GO_SRC     := $(shell find . -name '*.go' -not -path './frontend/node_modules/*') go.mod go.sum
FE_SRC     := $(shell find frontend/src -type f 2>/dev/null) frontend/index.html frontend/vite.config.ts \
              $(wildcard frontend/tsconfig*.json) frontend/package.json
# GUI and keyring runs get their own session bus and no accessibility bus,
# so nothing they start outlives them (platform.md, gotcha 3).
GUI_ENV    := env -u DBUS_SESSION_BUS_ADDRESS NO_AT_BRIDGE=1
# -noreset: Xvfb otherwise resets whenever its last client quits, and a
# browser connecting during that reset dies ("Missing X server"): closing
# one isolated browser while the next one starts did exactly that.
XVFB       := xvfb-run -a -s "-screen 0 1280x800x24 -noreset"
E2E_WEB    := e2e/playwright

export PATH := $(GOBIN):$(PATH)

.PHONY: help deps deps-apt deps-wails deps-npm deps-e2e frontend bindings bindings-check build run \
        test test-go test-frontend test-keyring test-e2e test-window bench fuzz lint clean

help: ## List the targets
	@echo "Guise. Two commands on a fresh Debian machine: make run, make test."
	@echo
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  make %-15s %s\n", $$1, $$2}'

deps: deps-apt deps-wails deps-npm deps-e2e ## Install what is missing: apt packages, wails CLI, npm modules

deps-apt: ## Install the Debian packages the build and tests need (skipped when present)
	@missing=$$(for p in $(APT_PKGS); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "Installing Debian packages:" $$missing; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

deps-wails: ## Install the wails CLI $(WAILS_VER) (skipped when present)
	@if ! "$(WAILS)" version 2>/dev/null | grep -q '$(WAILS_VER)'; then \
		echo "Installing wails $(WAILS_VER)…"; go install github.com/wailsapp/wails/v2/cmd/wails@$(WAILS_VER); fi

deps-npm: frontend/node_modules/.installed ## Install the frontend's npm modules (skipped when current)

# npm install, not npm ci: the registry lacks other platforms' rollup builds (gotcha 2).
frontend/node_modules/.installed: frontend/package.json frontend/package-lock.json
	cd frontend && npm install --no-audit --no-fund --loglevel=error
	@touch $@

deps-e2e: $(E2E_WEB)/node_modules/.installed ## Install the window test's npm modules (playwright-core)

$(E2E_WEB)/node_modules/.installed: $(E2E_WEB)/package.json $(E2E_WEB)/package-lock.json
	cd $(E2E_WEB) && npm install --no-audit --no-fund --loglevel=error
	@touch $@

frontend: frontend/dist/index.html ## Build the frontend into frontend/dist

frontend/dist/index.html: frontend/node_modules/.installed $(FE_SRC)
	cd frontend && npm run build

bindings: deps-wails ## Regenerate the frontend's Wails bindings after changing bound Go methods
	$(WAILS) generate module

bindings-check: deps-wails frontend ## Fail when the committed Wails bindings are stale
	@tmp=$$(mktemp -d) && cp -r frontend/wailsjs $$tmp/before && \
	$(WAILS) generate module >/dev/null && \
	if ! diff -r $$tmp/before frontend/wailsjs; then \
		echo "frontend/wailsjs was stale and has been regenerated: commit it."; rm -rf $$tmp; exit 1; fi; \
	rm -rf $$tmp; echo "bindings are current"

build: $(BIN) ## Build the app into build/bin/guise

$(BIN): frontend/dist/index.html $(GO_SRC)
	go build -tags $(TAGS) -ldflags "$(LDFLAGS)" -o $(BIN) .

run: deps build ## Open Guise on the built-in Demo environment
	@if [ -z "$$DISPLAY$$WAYLAND_DISPLAY" ]; then \
		echo "No display here, so Guise starts in a virtual one (Xvfb): the window is invisible."; \
		echo "On a desktop, run: make run. Headless, the CLI works: ./$(BIN) --help"; \
		echo "Screenshot while it runs: DISPLAY=\$$(cat .tmp/display) import -window root shot.png"; \
		mkdir -p .tmp; \
		$(GUI_ENV) dbus-run-session -- $(XVFB) \
			bash -c 'echo $$DISPLAY > .tmp/display; exec ./$(BIN)'; \
	elif [ -z "$$DBUS_SESSION_BUS_ADDRESS" ]; then \
		$(GUI_ENV) dbus-run-session -- ./$(BIN); \
	else \
		./$(BIN); \
	fi

test: deps test-go test-frontend bindings-check test-keyring test-e2e test-window ## Run every test (installs what is missing)
	@echo "make test: all passed"

test-go: frontend ## Go vet and unit/integration tests (CLI loop with the real binary included), and again under the race detector
	go vet -tags $(TAGS) ./...
	go vet ./...
	go test -count=1 ./...
	go test -race -count=1 ./backend/... ./app/... ./cli/...

test-frontend: deps-npm ## Frontend type check and unit tests
	cd frontend && npm run typecheck && npm test

test-keyring: ## The real Secret Service (gnome-keyring) in a private session bus
	$(GUI_ENV) dbus-run-session -- bash -c 'export XDG_DATA_HOME=$$(mktemp -d); \
		printf guise-test | gnome-keyring-daemon --unlock --components=secrets >/dev/null; \
		go test -count=1 -tags integration -run Integration ./backend/keyring/'

test-e2e: build ## End-to-end: the real app under Xvfb in its own session bus
	mkdir -p $(ARTIFACTS)
	$(GUI_ENV) GUISE_BIN=$(CURDIR)/$(BIN) GUISE_ARTIFACTS=$(CURDIR)/$(ARTIFACTS) \
		dbus-run-session -- $(XVFB) \
		go test -count=1 -tags e2e -timeout 10m ./e2e/

# wails dev compiles the app itself (debug flags, tags from wails.json) and
# serves it with live Go bindings on localhost:34115; the test starts and
# stops it, and keeps screenshots and logs in $(ARTIFACTS).
test-window: deps-wails deps-npm deps-e2e frontend ## End-to-end in the UI: the app in wails dev, driven by Playwright (chromium) under Xvfb
	mkdir -p $(ARTIFACTS)
	$(GUI_ENV) WAILS=$(WAILS) GUISE_ARTIFACTS=$(CURDIR)/$(ARTIFACTS) \
		dbus-run-session -- $(XVFB) node --test --test-reporter=spec $(E2E_WEB)/window.test.mjs

FUZZTIME ?= 30s
fuzz: frontend ## Run every fuzz test for FUZZTIME each (their seed corpora already run in make test)
	@for f in $$(grep -rl --include='*_test.go' '^func Fuzz' backend cli); do \
		dir=./$$(dirname $$f); \
		for fn in $$(grep -o '^func Fuzz[A-Za-z0-9_]*' $$f | cut -d' ' -f2); do \
			echo "fuzz $$dir $$fn"; go test -run '^$$' -fuzz "^$$fn\$$" -fuzztime $(FUZZTIME) $$dir || exit 1; \
		done; \
	done

# One table: search, ingest and sync of a million users (bench/). The caches
# (users, Demo tenant) are kept under $TMPDIR/guise-bench between runs.
bench: frontend ## Scale benchmarks, one table (speed and memory targets live here, not in unit tests)
	go test -run '^$$' -bench Scale -benchtime 1x -timeout 60m ./bench/

lint: frontend ## gofmt, go vet and the TypeScript check
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || (gofmt -l $$(git ls-files '*.go'); echo "run gofmt -w"; exit 1)
	go vet -tags $(TAGS) ./...
	cd frontend && npm run typecheck

clean: ## Remove build output and test artifacts
	rm -rf build/bin $(ARTIFACTS) frontend/dist/* .tmp
