# dsched: `make run` brings up a node, `make test` builds and tests everything.
# Both install the Debian packages they need and start PostgreSQL and Redis on loopback
# (scripts/services.sh); `make stop` stops those services.
SHELL := /bin/bash
ENV := source scripts/env.sh &&

.PHONY: all deps services stop build release run test chaos check bench-http bench-submit bench-fire bench-failover bench-retention bench-wheel clean

all: build

deps:
	@scripts/deps.sh

services: deps
	@scripts/services.sh start

stop:
	@scripts/services.sh stop

build: deps
	swift build --build-tests

release: deps
	swift build -c release --product dsched

run: services release
	$(ENV) exec .build/release/dsched serve

# The Swift tests, then the chaos suite's short form (60 s, fixed seed; perf/chaos/chaos.sh)
# against the debug binary just built.
test: services build
	$(ENV) swift test --skip-build
	CHAOS_DURATION=60 CHAOS_SEED=198 DSCHED_BIN=$(CURDIR)/.build/debug/dsched perf/chaos/chaos.sh

# A 3-node cluster in network namespaces under a seeded random schedule of faults, then its
# invariants checked; CHAOS_SEED and CHAOS_DURATION (s, default 180) from the environment.
chaos: deps release
	perf/chaos/chaos.sh

# The same tests under AddressSanitizer (slower; its own build folder), the integration tests
# running the sanitized dsched too. Leak detection is off:
# XCTest and Foundation keep allocations alive until exit, which LeakSanitizer reports.
check: services
	$(ENV) ASAN_OPTIONS=detect_leaks=0 DSCHED_BIN=$(CURDIR)/.build-asan/debug/dsched swift test --sanitize=address --scratch-path .build-asan

bench-http: release
	perf/bench-http.sh

bench-submit: services release
	perf/bench-submit.sh

bench-fire: services release
	perf/bench-fire.sh

bench-failover: services release
	perf/bench-failover.sh

bench-retention: services release
	perf/bench-retention.sh

bench-wheel: deps
	swift build -c release --product bench-wheel
	.build/release/bench-wheel

clean:
	rm -rf .build .build-asan
