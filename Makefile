# gpt-image-edge: the two commands a fresh machine needs are `make test` and
# `make demo`; both install what they need first (idempotent).
SHELL := /bin/bash
.DEFAULT_GOAL := help

.PHONY: help setup pkg test demo dev dev-jobs size bench clean

help:
	@echo "make test   set up, then run every test (native, wasm in Node and Chromium, the package in Node, Chromium, workerd, Next.js, Vite, wrangler, Deno, Bun)"
	@echo "make demo   set up, then generate an image through the npm package on the sandbox"
	@echo "make dev    the example Worker (workerd) with the page, against the sandbox (EXAMPLE=worker-jobs: durable jobs)"
	@echo "make dev-jobs  durable jobs (examples/worker-jobs: Workflow, Durable Object ledger, R2) in workerd, against the sandbox"
	@echo "make size   the wasm + JS glue size of the Workers build"
	@echo "make bench  benchmarks: one table beside the peers (zod, openai, fal, replicate, Apiframe SDK schedule, bare fetch)"
	@echo "make pkg    build the npm package into pkg/"

setup:
	@./scripts/setup.sh

pkg: setup
	@./scripts/build-pkg.sh

test: setup
	@./scripts/test.sh

demo: pkg
	@./scripts/demo.sh

dev: pkg
	@cargo build --release -q -p sandbox
	@if [ "$(EXAMPLE)" = worker-jobs ]; then node scripts/dev-jobs.mjs; else node scripts/dev.mjs; fi

dev-jobs: pkg
	@cargo build --release -q -p sandbox
	@node scripts/dev-jobs.mjs

size: pkg
	@./scripts/size.sh

bench: pkg
	@./scripts/bench.sh

clean:
	rm -rf pkg .tmp out target/wasm32-unknown-unknown
