#!/usr/bin/env bash
# Runs every test with its real parts: installs the test oracles (idempotent),
# starts the servers the integration tests talk to on loopback, runs
# `go test`, and stops the servers again whatever happens.
#   scripts/run-tests.sh [go test args...]     (make test calls it)
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh test

# veraPDF (Maven Central) judges PDF/A conformance.
SOHOA_VERAPDF="$(scripts/install-verapdf.sh)"
export SOHOA_VERAPDF

# pyHanko (PyPI) validates PAdES signatures; poppler's pdfsig comes with poppler-utils.
SOHOA_PYHANKO="$(scripts/install-pyhanko.sh)"
export SOHOA_PYHANKO

# MinIO, built from the Go module proxy at a pinned version (cached in
# .cache/minio); the S3 tests start and stop their own servers with it.
scripts/minio.sh build
export SOHOA_MINIO_BIN="$PWD/.cache/minio/bin/minio"

export OMP_THREAD_LIMIT=1
go test -timeout "${TEST_TIMEOUT:-20m}" "${@:-./...}"
