#!/usr/bin/env bash
# Installs the veraPDF command-line validator (greenfield flavour) from Maven
# Central and writes a launcher for it. On success it prints only the
# launcher's path, on stdout. Errors go to stderr, with the output of apt or
# Maven when they fail; progress too, but only when stderr is a terminal.
#
#   scripts/install-verapdf.sh            # prints the launcher path
#   SOHOA_VERAPDF=$(scripts/install-verapdf.sh) go test ./pipeline/pdfa/ -run VeraPDF
#   "$(scripts/install-verapdf.sh)" --flavour 3u --format text file.pdf
#
# Idempotent: when the launcher and every jar it needs are in place, it only
# prints the path. It installs java and mvn with apt-get (Debian packages
# default-jre-headless and maven) when they are missing, as root or through
# sudo. Everything it downloads comes from Debian's and Maven Central's
# repositories; the jars go into the cache directory, not ~/.m2.
#
# Environment: VERAPDF_VERSION (default 1.28.2); VERAPDF_CACHE, the cache
# directory (default .cache/verapdf in the repository).
set -euo pipefail

version="${VERAPDF_VERSION:-1.28.2}"
# Pinned so that a fresh machine resolves the same plugin as this one.
dependency_plugin="org.apache.maven.plugins:maven-dependency-plugin:3.8.1"
root="$(cd "$(dirname "$0")/.." && pwd)"
cache="${VERAPDF_CACHE:-$root/.cache/verapdf}"
dir="$cache/$version"
launcher="$dir/verapdf"

say() { echo "install-verapdf: $*" >&2; }
# progress tells a person at a terminal what takes time; scripts see nothing.
progress() { if [[ -t 2 ]]; then say "$@"; fi; }
die() {
	say "$@"
	exit 1
}

# installed reports whether the launcher exists and every jar of its
# classpath is still on disk (a cleaned Maven repository breaks it).
installed() {
	[[ -x "$launcher" && -s "$dir/classpath.txt" ]] || return 1
	local jar jars
	IFS=: read -r -a jars <"$dir/classpath.txt"
	for jar in "${jars[@]}"; do
		[[ -f "$jar" ]] || return 1
	done
}

if installed; then
	echo "$launcher"
	exit 0
fi

log="$(mktemp "${TMPDIR:-/tmp}/install-verapdf.XXXXXX")"
trap 'rm -f "$log"' EXIT

# quietly runs a command with its output in the log, printing the log to
# stderr if it fails.
quietly() {
	if ! "$@" >"$log" 2>&1; then
		say "failed: $*"
		cat "$log" >&2
		return 1
	fi
}

# apt_install installs Debian packages, refreshing the package lists only
# when the first attempt fails (a fresh container has none).
apt_install() {
	local sudo=()
	if [[ $(id -u) -ne 0 ]]; then
		command -v sudo >/dev/null || die "need root (or sudo) to install $* with apt-get"
		sudo=(sudo -n)
	fi
	command -v apt-get >/dev/null || die "apt-get not found; install $* by hand"
	progress "installing $* with apt-get"
	local apt=("${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -q -y --no-install-recommends)
	if ! "${apt[@]}" install "$@" >"$log" 2>&1; then
		quietly "${sudo[@]}" apt-get -q update
		quietly "${apt[@]}" install "$@"
	fi
}

missing=()
command -v java >/dev/null || missing+=(default-jre-headless)
command -v mvn >/dev/null || missing+=(maven)
if ((${#missing[@]})); then
	apt_install "${missing[@]}"
	hash -r
fi
command -v java >/dev/null || die "java still not found after installing default-jre-headless"
command -v mvn >/dev/null || die "mvn still not found after installing maven"

# veraPDF 1.28 needs Java 11 or later. "java -version" prints e.g.
# openjdk version "17.0.15" (or "1.8.0_402" for Java 8) on stderr.
java_major="$(java -version 2>&1 | sed -n 's/.*version "\(1\.\)\{0,1\}\([0-9]*\).*/\2/p' | head -n 1)"
[[ -n "$java_major" && "$java_major" -ge 11 ]] || die "java $java_major is too old: veraPDF needs Java 11 or later"

mkdir -p "$dir"
cat >"$dir/pom.xml" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.sohoa</groupId>
  <artifactId>verapdf-cli</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>org.verapdf.apps</groupId>
      <artifactId>greenfield-apps</artifactId>
      <version>$version</version>
    </dependency>
  </dependencies>
</project>
POM

progress "downloading veraPDF $version from Maven Central"
quietly mvn -B -q -Dstyle.color=never -f "$dir/pom.xml" \
	-Dmaven.repo.local="$cache/m2" \
	"$dependency_plugin:build-classpath" -Dmdep.outputFile="$dir/classpath.txt.tmp" ||
	die "could not resolve org.verapdf.apps:greenfield-apps:$version"
mv "$dir/classpath.txt.tmp" "$dir/classpath.txt"

cat >"$launcher.tmp" <<'SH'
#!/usr/bin/env bash
# veraPDF CLI launcher written by scripts/install-verapdf.sh.
here="$(cd "$(dirname "$0")" && pwd)"
exec java -cp "$(cat "$here/classpath.txt")" org.verapdf.apps.GreenfieldCliWrapper "$@"
SH
chmod +x "$launcher.tmp"
# Check the launcher runs before putting it in place.
quietly "$launcher.tmp" --version || die "the veraPDF launcher does not run"
mv "$launcher.tmp" "$launcher"
echo "$launcher"
