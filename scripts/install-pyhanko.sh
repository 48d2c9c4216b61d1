#!/usr/bin/env bash
# Installs pyHanko (PDF signature validator, from PyPI) into a virtual
# environment and prints the path of its `pyhanko` executable on stdout.
# Errors go to stderr with pip's output when it fails.
#
#   scripts/install-pyhanko.sh            # prints the executable's path
#   SOHOA_PYHANKO=$(scripts/install-pyhanko.sh) go test ./signer/
#   "$(scripts/install-pyhanko.sh)" sign validate --trust root.pem --pretty-print file.pdf
#
# Idempotent: when the venv already holds the pinned version, it only prints
# the path. Needs python3 with the venv module (Debian: python3-venv).
#
# Since pyHanko 0.26 the command line lives in a separate distribution,
# pyhanko-cli, pinned here to a release that matches the library.
#
# Environment: PYHANKO_VERSION (default 0.38.0), PYHANKO_CLI_VERSION (default
# 0.6.0); PYHANKO_CACHE, the venv's parent directory (default .cache/pyhanko
# in the repository).
set -euo pipefail

version="${PYHANKO_VERSION:-0.38.0}"
cli_version="${PYHANKO_CLI_VERSION:-0.6.0}"
root="$(cd "$(dirname "$0")/.." && pwd)"
cache="${PYHANKO_CACHE:-$root/.cache/pyhanko}"
venv="$cache/$version"
exe="$venv/bin/pyhanko"

say() { echo "install-pyhanko: $*" >&2; }
progress() { if [[ -t 2 ]]; then say "$@"; fi; }
die() {
	say "$@"
	exit 1
}

# installed reports whether the venv holds a pyhanko of the pinned version
# that runs.
installed() {
	[[ -x "$exe" ]] || return 1
	"$venv/bin/python" -c "import importlib.metadata as m, sys; sys.exit(m.version('pyhanko') != '$version' or m.version('pyhanko-cli') != '$cli_version')" 2>/dev/null
}

if installed; then
	echo "$exe"
	exit 0
fi

command -v python3 >/dev/null || die "python3 not found (Debian: apt-get install python3 python3-venv)"

log="$(mktemp "${TMPDIR:-/tmp}/install-pyhanko.XXXXXX")"
trap 'rm -f "$log"' EXIT
quietly() {
	if ! "$@" >"$log" 2>&1; then
		say "failed: $*"
		cat "$log" >&2
		return 1
	fi
}

mkdir -p "$cache"
rm -rf "$venv"
progress "creating a virtual environment in $venv"
quietly python3 -m venv "$venv" || die "python3 -m venv failed (Debian: apt-get install python3-venv)"
progress "installing pyhanko $version from PyPI"
quietly "$venv/bin/pip" install --disable-pip-version-check -q "pyhanko==$version" "pyhanko-cli==$cli_version" ||
	die "could not install pyhanko $version"
quietly "$exe" --version || die "pyhanko does not run"
echo "$exe"
