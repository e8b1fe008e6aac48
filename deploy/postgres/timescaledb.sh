#!/usr/bin/env bash
# Make the TimescaleDB extension available to the machine's PostgreSQL for the tests.
#
#   bash deploy/postgres/timescaledb.sh [SOURCE_ARCHIVE]
#
# Does nothing when the extension is installed already. Otherwise, when a source archive
# is given (default: ../shared/vendor/timescaledb-<version>.tar.gz beside the clone, or
# KOTA_TIMESCALEDB_SOURCE) and its checksum matches, it is built once into a cache folder
# outside the work tree (~/.cache/kotacerdas, about 2 minutes on 2 cores) and the built
# files are copied into PostgreSQL's folders (seconds on the next run). The product never
# needs this script: on any other machine an installed TimescaleDB serves.
#
# Exit status: 0 installed (or already there); 3 not available here (no archive, not
# root, no build tools), with the reason on stderr, so the caller can skip the
# TimescaleDB half of the tests and say why; anything else is a failure.
set -euo pipefail

VERSION=2.28.3          # the last release line that builds against PostgreSQL 15
PG_MAJOR=15
SHA256=ec2f7de0ba53a473c01e0a57e09053898c6b1f7487228caff0f1d31c8cb2dedb
repo=$(cd "$(dirname "$0")/../.." && pwd)
archive=${1:-${KOTA_TIMESCALEDB_SOURCE:-$repo/../shared/vendor/timescaledb-$VERSION.tar.gz}}
pg_config=/usr/lib/postgresql/$PG_MAJOR/bin/pg_config
[[ -x $pg_config ]] || pg_config=$(command -v pg_config || true)

unavailable() { echo "timescaledb: not available here: $*" >&2; exit 3; }

[[ -n $pg_config && -x $pg_config ]] || unavailable "no pg_config (apt-get install postgresql-server-dev-$PG_MAJOR)"
sharedir=$($pg_config --sharedir)
pkglibdir=$($pg_config --pkglibdir)
if [[ -f $sharedir/extension/timescaledb--$VERSION.sql && -f $pkglibdir/timescaledb-$VERSION.so ]]; then
  exit 0
fi
[[ -f $archive ]] || unavailable "no installed extension and no source archive at $archive"
echo "$SHA256  $archive" | sha256sum -c --quiet - >/dev/null 2>&1 \
  || { echo "timescaledb: checksum mismatch for $archive" >&2; exit 1; }
[[ $(id -u) -eq 0 ]] || unavailable "installing into $pkglibdir needs root"

cache=${XDG_CACHE_HOME:-$HOME/.cache}/kotacerdas/timescaledb-$VERSION-pg$PG_MAJOR
staged=$cache/root
if [[ ! -f $cache/.built ]]; then
  for tool in cmake make gcc; do
    command -v $tool >/dev/null || missing_tools=1
  done
  if [[ ${missing_tools:-0} -eq 1 || ! -f /usr/include/openssl/ssl.h \
        || ! -d $($pg_config --includedir-server) ]]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      "postgresql-server-dev-$PG_MAJOR" cmake gcc make libssl-dev >&2 \
      || unavailable "the build tools could not be installed"
  fi
  echo "timescaledb: building $VERSION from source (once, about 2 minutes)" >&2
  rm -rf "$cache"
  mkdir -p "$cache/src"
  tar -xzf "$archive" -C "$cache/src" --strip-components=1
  (
    cd "$cache/src"
    ./bootstrap -DPG_CONFIG="$pg_config" -DREGRESS_CHECKS=OFF -DTAP_CHECKS=OFF \
      -DWARNINGS_AS_ERRORS=OFF -DLINTER=OFF -DGENERATE_DOWNGRADE_SCRIPT=OFF \
      -DCMAKE_BUILD_TYPE=Release >"$cache/build.log" 2>&1
    make -C build -j"$(nproc)" >>"$cache/build.log" 2>&1
    make -C build install DESTDIR="$staged" >>"$cache/build.log" 2>&1
  ) || { echo "timescaledb: build failed, see $cache/build.log" >&2; tail -5 "$cache/build.log" >&2; exit 1; }
  rm -rf "$cache/src"
  touch "$cache/.built"
fi
# DESTDIR mirrors the absolute install paths: copy the tree over /.
cp -r "$staged"/. /
echo "timescaledb: $VERSION installed into PostgreSQL $PG_MAJOR" >&2
