#!/usr/bin/env bash
# MinIO for development and tests of the S3 store.
#
#   scripts/minio.sh                 build MinIO into .cache/minio/bin (skipped if it is there)
#   scripts/minio.sh start DIR       start it serving DIR on free loopback ports, wait until
#                                    ready, print export lines:  eval "$(scripts/minio.sh start DIR)"
#   scripts/minio.sh stop [DIR]      stop the server started for DIR (or $SOHOA_MINIO_PID)
#
# The build uses `go install module@version`, which builds in module mode outside this
# repository's module: nothing of MinIO enters go.mod. It takes 3-5 minutes on 2 cores.
# MINIO_ROOT_USER / MINIO_ROOT_PASSWORD override the development credentials.
set -euo pipefail

MINIO_VERSION=v0.0.0-20260212201848-7aac2a2c5b7c
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN_DIR=$ROOT/.cache/minio/bin
BIN=$BIN_DIR/minio

build() {
	if [[ -x $BIN ]]; then
		return 0
	fi
	mkdir -p "$BIN_DIR"
	echo "minio.sh: building MinIO $MINIO_VERSION into $BIN_DIR (3-5 minutes)" >&2
	# Build from a neutral folder so no go.mod or go.work of ours is involved.
	(cd /tmp && GOBIN=$BIN_DIR GOTOOLCHAIN=${GOTOOLCHAIN:-local} \
		go install "github.com/minio/minio@$MINIO_VERSION") >&2
}

port_in_use() {
	(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

free_port() {
	local p
	for _ in $(seq 1 100); do
		p=$((20000 + RANDOM % 40000))
		if ! port_in_use "$p"; then
			echo "$p"
			return 0
		fi
	done
	echo "minio.sh: no free port found" >&2
	return 1
}

live() {
	local line
	exec 3<>"/dev/tcp/127.0.0.1/$1" || return 1
	printf 'GET /minio/health/live HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&3
	read -r -t 2 line <&3 || true
	exec 3<&- 3>&-
	[[ $line == *" 200 "* ]]
}

start() {
	local dir=${1:?usage: minio.sh start DIR}
	build
	mkdir -p "$dir"
	dir=$(cd "$dir" && pwd)
	if [[ -f $dir/.minio.pid ]] && kill -0 "$(cat "$dir/.minio.pid")" 2>/dev/null; then
		echo "minio.sh: a server already runs for $dir (pid $(cat "$dir/.minio.pid")); stop it first" >&2
		return 1
	fi
	local port console user pass pid
	port=$(free_port)
	console=$(free_port)
	user=${MINIO_ROOT_USER:-sohoa-dev}
	pass=${MINIO_ROOT_PASSWORD:-sohoa-dev-secret}
	MINIO_ROOT_USER=$user MINIO_ROOT_PASSWORD=$pass MINIO_BROWSER=off MINIO_UPDATE=off \
		nohup "$BIN" server "$dir" --address "127.0.0.1:$port" \
		--console-address "127.0.0.1:$console" --quiet >"$dir/.minio.log" 2>&1 </dev/null &
	pid=$!
	echo "$pid" >"$dir/.minio.pid"
	for _ in $(seq 1 600); do
		if live "$port" 2>/dev/null; then
			cat <<-EOF
				export SOHOA_S3_ENDPOINT=http://127.0.0.1:$port
				export SOHOA_S3_TEST_ENDPOINT=http://127.0.0.1:$port
				export AWS_ACCESS_KEY_ID=$user
				export AWS_SECRET_ACCESS_KEY=$pass
				export SOHOA_MINIO_PID=$pid
			EOF
			return 0
		fi
		if ! kill -0 "$pid" 2>/dev/null; then
			echo "minio.sh: MinIO exited; its log:" >&2
			tail -n 20 "$dir/.minio.log" >&2
			rm -f "$dir/.minio.pid"
			return 1
		fi
		sleep 0.1
	done
	echo "minio.sh: MinIO not ready after 60 s; stopping it" >&2
	kill "$pid" 2>/dev/null || true
	rm -f "$dir/.minio.pid"
	return 1
}

stop() {
	local pid=${SOHOA_MINIO_PID:-} pidfile=""
	if [[ -n ${1:-} ]]; then
		pidfile=$1/.minio.pid
		[[ -f $pidfile ]] || { echo "minio.sh: no server recorded in $1" >&2; return 1; }
		pid=$(cat "$pidfile")
	fi
	[[ -n $pid ]] || { echo "usage: minio.sh stop DIR (or set SOHOA_MINIO_PID)" >&2; return 1; }
	if kill "$pid" 2>/dev/null; then
		for _ in $(seq 1 100); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -9 "$pid" 2>/dev/null || true
	fi
	[[ -z $pidfile ]] || rm -f "$pidfile"
}

case ${1:-build} in
build) build ;;
start) shift; start "$@" ;;
stop) shift; stop "$@" ;;
*) echo "usage: minio.sh [build | start DIR | stop [DIR]]" >&2; exit 2 ;;
esac
