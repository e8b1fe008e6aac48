#!/bin/sh
# docker-entrypoint-initdb.d hook of the TimescaleDB image (docker-compose): creates the
# kotacerdas roles and database with deploy/postgres/bootstrap.sql, the same file the
# native stack runs (kotacerdas/stack/postgres.py). The image runs it once, on the first
# start with an empty data volume, against a server that listens on its socket only.
#
# bootstrap.sql reads the three role passwords from the environment with \getenv, so they
# never appear on a command line. Placeholders (.env.example's `change-me`) are refused
# unless KOTA_ENV is dev or test, like the services refuse them (kotacerdas/settings.py).
#
# The image sources this file when it is not executable; so no `set -u` and no `exit`
# outside a failure.
set -e

kota_placeholder() {
    case $1 in
        "" | change-me | changeme | password | kota) return 0 ;;
        *) return 1 ;;
    esac
}

for kota_var in KOTA_OWNER_DB_PASSWORD KOTA_DB_PASSWORD KOTA_READER_DB_PASSWORD; do
    eval "kota_value=\${$kota_var:-}"
    if [ -z "$kota_value" ]; then
        echo "kotacerdas bootstrap: $kota_var is not set" >&2
        exit 1
    fi
    # shellcheck disable=SC2154 # set by the eval above
    if kota_placeholder "$kota_value" && [ "${KOTA_ENV:-prod}" = prod ]; then
        echo "kotacerdas bootstrap: $kota_var is a placeholder password; set a real secret" \
            "(or KOTA_ENV=dev for a development machine)" >&2
        exit 1
    fi
done

psql -X -q -v ON_ERROR_STOP=1 --no-password --username "${POSTGRES_USER:-postgres}" \
    --dbname postgres -f "${KOTA_BOOTSTRAP_SQL:-/kota/bootstrap.sql}"
echo "kotacerdas bootstrap: roles kota_owner, kota_writer, kota_reader and database kota ready"
