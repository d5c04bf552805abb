# gpt-image-edge: the two commands a fresh machine needs are `make test` and
# `make demo`; both install what they need first (idempotent).
SHELL := /bin/bash
.DEFAULT_GOAL := help

.PHONY: help setup pkg test demo size clean

size: pkg
	@./scripts/size.sh

help:
	@echo "make test   set up, then run every test (native, wasm in Node and Chromium, package)"
	@echo "make demo   set up, then run the demo"
	@echo "make pkg    build the npm package into pkg/"
	@echo "make size   print the wasm + JS glue size of the Workers builds"
	@echo "make dev    the example Worker (workerd) with the page, against the sandbox"
	@echo "make bench  benchmarks: validateRequest timing, polling, sandbox load"

setup:
	@./scripts/setup.sh

pkg: setup
	@./scripts/build-pkg.sh

test: setup
	@./scripts/test.sh

demo: pkg
	@./scripts/demo.sh

clean:
	rm -rf pkg .tmp out target/wasm32-unknown-unknown

.PHONY: dev bench
dev: pkg
	@cargo build --release -q -p sandbox
	@node scripts/dev.mjs

bench: pkg
	@./scripts/bench.sh
