#!/usr/bin/env bash
# Creates an isolated SoftHSM2 token for tests and local experiments, idempotently.
#
#   scripts/softhsm-setup.sh DIR
#
# writes DIR/softhsm2.conf (token store DIR/tokens), initialises one token in it and
# prints the environment line to use on stdout, e.g.
#
#   eval "$(scripts/softhsm-setup.sh /tmp/hsm)"
#
# Settings come from the environment (the defaults are for throw-away test tokens only):
#   SOFTHSM_TOKEN_LABEL  token label   (default sohoa-test)
#   SOFTHSM_SO_PIN       SO PIN        (default 12345678)
#   SOFTHSM_USER_PIN     user PIN      (default 1234)
# Running it again with the same DIR and label changes nothing. The PINs are never printed.
# Needs the Debian package softhsm2 (softhsm2-util, /usr/lib/softhsm/libsofthsm2.so).
set -euo pipefail

if [ $# -ne 1 ] || [ -z "$1" ]; then
  echo "usage: $0 DIR" >&2
  exit 2
fi
command -v softhsm2-util >/dev/null || {
  echo "softhsm-setup: softhsm2-util not found; install the Debian package softhsm2" >&2
  exit 1
}

label="${SOFTHSM_TOKEN_LABEL:-sohoa-test}"
so_pin="${SOFTHSM_SO_PIN:-12345678}"
user_pin="${SOFTHSM_USER_PIN:-1234}"

mkdir -p "$1/tokens"
dir="$(cd "$1" && pwd)"
conf="$dir/softhsm2.conf"

# Rewrite the config only when it differs, so an existing setup stays untouched.
want_conf="# written by sohoa scripts/softhsm-setup.sh
directories.tokendir = $dir/tokens
objectstore.backend = file
log.level = ERROR
slots.removable = false"
if [ ! -f "$conf" ] || [ "$(cat "$conf")" != "$want_conf" ]; then
  printf '%s\n' "$want_conf" >"$conf"
fi
export SOFTHSM2_CONF="$conf"

# --show-slots prints "Label:            <label>" for every initialised token.
has_token() {
  softhsm2-util --show-slots 2>/dev/null | awk -v want="$label" '
    /^[[:space:]]*Label:/ { sub(/^[[:space:]]*Label:[[:space:]]*/, ""); sub(/[[:space:]]+$/, ""); if ($0 == want) found = 1 }
    END { exit !found }'
}
if has_token; then
  echo "softhsm-setup: token \"$label\" already present in $dir/tokens" >&2
else
  softhsm2-util --init-token --free --label "$label" --so-pin "$so_pin" --pin "$user_pin" >/dev/null
  echo "softhsm-setup: initialised token \"$label\" in $dir/tokens" >&2
fi

printf 'export SOFTHSM2_CONF=%q\n' "$conf"
