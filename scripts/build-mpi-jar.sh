#!/usr/bin/env bash
# Build Open MPI's Java bindings (mpi.jar) from Debian/Ubuntu's openmpi source package.
#
# Debian builds Open MPI with --enable-mpi-java but ships only libmpi_java.so, not mpi.jar.
# The Java half lives in the source package (ompi/mpi/java/java/*.java). This script:
#   1. makes sure apt knows a deb-src entry (adds /etc/apt/sources.list.d/veloc4j-deb-src.*
#      mirroring the existing Debian/Ubuntu `deb` entries, only if no source entry is known),
#   2. `apt-get source --download-only openmpi=<VERSION>` into a cache directory,
#   3. extracts only ompi/mpi/java/java/*.java (plus Debian patches touching them, if any),
#   4. compiles them with `javac --release 8` and packs them into OUT_JAR.
#
# usage: scripts/build-mpi-jar.sh SOURCE_VERSION OUT_JAR
#   SOURCE_VERSION  version of the openmpi *source* package matching the installed libopenmpi3,
#                   e.g. `dpkg-query -W -f='${source:Version}' libopenmpi3` (4.1.4-3; a binNMU
#                   binary version such as 4.1.4-3+b1 has no source of its own)
#   OUT_JAR         where to write mpi.jar
# env: VELOC4J_CACHE (default ${XDG_CACHE_HOME:-~/.cache}/veloc4j) holds downloads and builds.
set -euo pipefail

die() { echo "build-mpi-jar: $*" >&2; exit 1; }
say() { echo "build-mpi-jar: $*"; }

[[ $# -eq 2 ]] || die "usage: $0 SOURCE_VERSION OUT_JAR"
VERSION=$1
OUT_JAR=$2
CACHE=${VELOC4J_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/veloc4j}
SRC_DIR=$CACHE/openmpi-src/$VERSION
SUDO=
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || die "not root and sudo is missing"
  SUDO=sudo
fi

# Run a command with its output captured; show the output only if it fails.
quiet() {
  local log rc=0
  log=$(mktemp)
  "$@" >"$log" 2>&1 || rc=$?
  if [[ $rc -ne 0 ]]; then cat "$log" >&2; fi
  rm -f "$log"
  return "$rc"
}

source_known() {
  apt-cache showsrc openmpi 2>/dev/null | grep -qx "Version: $VERSION"
}

# Print deb-src stanzas (deb822) for every enabled Debian/Ubuntu `Types: deb` stanza of FILE.
deb822_to_src() {
  local file=$1 line types uris enabled
  local -a stanza=()
  flush() {
    if [[ ${#stanza[@]} -gt 0 && $enabled != no && " $types " == *" deb "* \
          && $uris =~ (debian|ubuntu) ]]; then
      local l
      for l in "${stanza[@]}"; do
        if [[ $l =~ ^Types: ]]; then echo "Types: deb-src"; else echo "$l"; fi
      done
      echo
    fi
    stanza=(); types=; uris=; enabled=
  }
  types=; uris=; enabled=
  while IFS= read -r line || [[ -n $line ]]; do
    if [[ -z ${line//[[:space:]]/} ]]; then flush; continue; fi
    [[ $line =~ ^[[:space:]]*# ]] && continue
    case ${line,,} in
      types:*)   types=${line#*:} ;;
      uris:*)    uris=${line#*:} ;;
      enabled:*) enabled=${line#*:}; enabled=${enabled//[[:space:]]/} ;;
    esac
    stanza+=("$line")
  done <"$file"
  flush
}

# Add a deb-src entry mirroring the existing `deb` entries (deb822 and/or classic format).
ensure_deb_src() {
  source_known && return 0
  local d=/etc/apt/sources.list.d f tmp added=
  tmp=$(mktemp)
  # deb822 (*.sources: Debian 12+, Ubuntu 24.04+)
  : >"$tmp"
  for f in "$d"/*.sources; do
    [[ -f $f && $f != "$d/veloc4j-deb-src.sources" ]] || continue
    deb822_to_src "$f" >>"$tmp"
  done
  if [[ -s $tmp && ! -e $d/veloc4j-deb-src.sources ]]; then
    $SUDO install -m 0644 "$tmp" "$d/veloc4j-deb-src.sources"; added+=" $d/veloc4j-deb-src.sources"
  fi
  # classic one-line format (/etc/apt/sources.list, *.list)
  : >"$tmp"
  for f in /etc/apt/sources.list "$d"/*.list; do
    [[ -f $f && $f != "$d/veloc4j-deb-src.list" ]] || continue
    grep -E '^[[:space:]]*deb[[:space:]]' "$f" | grep -E 'debian|ubuntu' \
      | sed -E 's/^[[:space:]]*deb[[:space:]]/deb-src /' >>"$tmp" || true
  done
  if [[ -s $tmp && ! -e $d/veloc4j-deb-src.list ]]; then
    $SUDO install -m 0644 "$tmp" "$d/veloc4j-deb-src.list"; added+=" $d/veloc4j-deb-src.list"
  fi
  rm -f "$tmp"
  [[ -n $added ]] && say "added deb-src entries:$added"
  # A third-party repository without sources must not stop us: check the result instead.
  quiet $SUDO apt-get update -qq || echo "build-mpi-jar: warning: apt-get update reported errors" >&2
  source_known || die "apt knows no source package openmpi=$VERSION (check deb-src entries in /etc/apt/sources.list.d/)"
}

download_source() {
  mkdir -p "$SRC_DIR"
  if ! compgen -G "$SRC_DIR/openmpi_*.orig.tar.*" >/dev/null; then
    ensure_deb_src
    say "downloading source package openmpi=$VERSION"
    (cd "$SRC_DIR" && quiet apt-get source -qq --download-only "openmpi=$VERSION")
  fi
}

# Extract ompi/mpi/java/java/*.java into $SRC_DIR/java and apply Debian patches touching them.
extract_java_sources() {
  local orig debian_tar work=$SRC_DIR/java
  orig=$(compgen -G "$SRC_DIR/openmpi_*.orig.tar.*" | head -n1)
  rm -rf "$work" && mkdir -p "$work"
  tar -xf "$orig" -C "$work" --strip-components=1 --wildcards '*/ompi/mpi/java/java/*.java'
  debian_tar=$(compgen -G "$SRC_DIR/openmpi_*.debian.tar.*" | head -n1 || true)
  if [[ -n $debian_tar ]]; then
    tar -xf "$debian_tar" -C "$work"
    local p
    if [[ -f $work/debian/patches/series ]]; then
      while read -r p _; do
        [[ -z $p || $p == \#* ]] && continue
        grep -q '^+++ .*ompi/mpi/java/java/.*\.java' "$work/debian/patches/$p" || continue
        command -v patch >/dev/null || die "Debian patch $p touches the Java sources but 'patch' is missing"
        # Only the hunks for files we extracted apply; others are skipped (-f, no rejects kept).
        (cd "$work" && patch -s -p1 -f -r - <"debian/patches/$p" >/dev/null 2>&1) || true
      done <"$work/debian/patches/series"
    fi
    rm -rf "$work/debian"
  fi
}

compile_jar() {
  local work=$SRC_DIR/java classes=$SRC_DIR/classes
  local -a sources
  mapfile -t sources < <(find "$work/ompi/mpi/java/java" -name '*.java' | sort)
  [[ ${#sources[@]} -gt 0 ]] || die "no Java sources found in the openmpi source package"
  rm -rf "$classes" && mkdir -p "$classes"
  # --release 8: what Open MPI's own build targets; -nowarn hides the old-code warnings.
  quiet javac --release 8 -nowarn -encoding UTF-8 -d "$classes" "${sources[@]}"
  mkdir -p "$(dirname "$OUT_JAR")"
  jar cf "$OUT_JAR" -C "$classes" .
}

command -v javac >/dev/null || die "javac not found (install a JDK)"
download_source
extract_java_sources
compile_jar
say "built $OUT_JAR from openmpi $VERSION ($(find "$SRC_DIR/java" -name '*.java' | wc -l) sources)"
