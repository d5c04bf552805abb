# gpt-image-edge: the two commands a fresh machine needs are `make test` and
# `make demo`; both install what they need first (idempotent).
SHELL := /bin/bash
.DEFAULT_GOAL := help

.PHONY: help setup pkg test demo size clean

help:
	@echo "make test   set up, then run every test (native, wasm in Node and Chromium, package)"
	@echo "make demo   set up, then run the demo"
	@echo "make pkg    build the npm package into pkg/"
	@echo "make size   print the wasm + JS glue size of the Workers build"

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
