# sohoa — see README.md. Two set-up commands on a fresh Debian machine:
#   make demo   installs what it needs, digitizes the bundled samples into ./sohoa-data
#   make test   installs what it needs, runs all tests
SHELL := /bin/bash
GO ?= go
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X github.com/sohoa/sohoa/pipeline.Version=$(VERSION)
TEST_TIMEOUT ?= 20m

.PHONY: all build deps test-deps demo test bench samples vet clean

all: build

deps:
	@scripts/install-deps.sh run

test-deps:
	@scripts/install-deps.sh test

build: deps
	$(GO) build -ldflags '$(LDFLAGS)' -o bin/sohoa ./cmd/sohoa

demo: build
	bin/sohoa digitize --batch demo fixtures/samples; status=$$?; \
	echo; echo "Demo output is in ./sohoa-data. Look at it with:"; \
	echo "  bin/sohoa batch show demo"; \
	echo "  bin/sohoa get batches/demo/docs/<docId>/digitized.pdf -o out.pdf"; \
	exit $$status

vet:
	$(GO) vet ./...

test: test-deps build vet
	TEST_TIMEOUT=$(TEST_TIMEOUT) scripts/run-tests.sh

# bench: the Go benchmarks, the OCR benchmark of BENCHMARKS.md (sohoa vs
# OCRmyPDF vs plain tesseract on one generated set; BENCH_LARGE=1 adds sohoa
# alone on 400 pages), and the metadata extraction benchmark (240 documents).
bench: build
	@scripts/install-deps.sh bench
	@scripts/minio.sh build
	SOHOA_VERAPDF=$$(scripts/install-verapdf.sh) SOHOA_PYHANKO=$$(scripts/install-pyhanko.sh) \
	  SOHOA_MINIO_BIN=$$PWD/.cache/minio/bin/minio $(GO) test -run '^$$' -bench . -benchtime 1x ./...
	$(GO) run ./internal/bench/cmd/ocrbench -sohoa bin/sohoa $(if $(filter 1,$(BENCH_LARGE)),-large 400)
	$(GO) run ./internal/bench/cmd/metabench

samples:
	$(GO) run ./fixtures/cmd/genfixtures -samples -out fixtures/samples

clean:
	rm -rf bin sohoa-data
