#!/bin/sh
# Make .env for docker-compose from .env.example, with a fresh random value for every
# `change-me` (24 random bytes, hex: safe in .env, URLs, libpq and Mosquitto files).
#
#   deploy/docker/make-env.sh [TARGET]        (default: .env next to docker-compose.yml)
#
# Never overwrites an existing file: the database keeps the role passwords it was first
# started with, so regenerating them would lock the services out.
set -eu

repo=$(cd "$(dirname "$0")/../.." && pwd)
example=$repo/.env.example
target=${1:-$repo/.env}

if [ -e "$target" ]; then
    echo "make-env: $target exists; not overwriting it (delete it first to start over," \
        "which also needs fresh database and broker volumes)" >&2
    exit 1
fi

random_secret() {
    if command -v openssl >/dev/null 2>&1; then
        openssl rand -hex 24
    else
        od -An -N24 -tx1 /dev/urandom | tr -d ' \n'
    fi
}

umask 077
tmp=$(mktemp "$target.XXXXXX")
trap 'rm -f "$tmp"' EXIT
while IFS= read -r line || [ -n "$line" ]; do
    case $line in
        *=change-me) printf '%s=%s\n' "${line%%=*}" "$(random_secret)" ;;
        *) printf '%s\n' "$line" ;;
    esac
done <"$example" >"$tmp"
chmod 0600 "$tmp"
mv "$tmp" "$target"
trap - EXIT
echo "make-env: wrote $target (mode 0600) with new secrets; keep it out of git and back it up"
