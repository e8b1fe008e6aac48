#!/bin/sh
# Entrypoint of the `mosquitto` service in docker-compose (eclipse-mosquitto image, runs as
# root and Mosquitto then drops to its `mosquitto` user).
#
# 1. Hash the plain user list that the `mqtt-users` one-shot wrote to the shared
#    `mosquitto-auth` volume (deploy/docker/mqtt_users.py) with Mosquitto's own
#    mosquitto_passwd, then delete the plain copy: cleartext passwords live on disk only
#    between the two containers starting.
# 2. Copy the TLS key pair, when deploy/docker/compose.tls.yml mounts one, to a folder
#    only the broker user can read (bind-mounted host files keep host ownership).
# 3. Start the broker with deploy/mosquitto/mosquitto.docker.conf.
set -eu

# KOTA_MOSQUITTO_ROOT exists for the tests, which run this script against a copy of the
# layout outside a container; in the image it is always /mosquitto.
root=${KOTA_MOSQUITTO_ROOT:-/mosquitto}
auth=$root/auth
plain=$auth/passwd.plain

if [ -f "$plain" ]; then
    umask 077
    cp "$plain" "$auth/passwd.new"
    mosquitto_passwd -U "$auth/passwd.new"
    chown mosquitto:mosquitto "$auth/passwd.new"
    mv -f "$auth/passwd.new" "$auth/passwd"
    rm -f "$plain"
    echo "mosquitto-entrypoint: password file hashed ($(wc -l <"$auth/passwd") users)"
fi
if [ ! -s "$auth/passwd" ]; then
    echo "mosquitto-entrypoint: no password file in $auth; the mqtt-users one-shot must" \
        "complete first (docker compose logs mqtt-users)" >&2
    exit 1
fi

# Per-site includes (the TLS listener); an empty folder when nothing is mounted.
mkdir -p "$root/config/local.d"

if [ -d "$root/tls-src" ]; then
    umask 077
    mkdir -p "$root/tls"
    for file in ca.crt mosquitto.crt mosquitto.key; do
        if [ ! -s "$root/tls-src/$file" ]; then
            echo "mosquitto-entrypoint: TLS is mounted but $file is missing" \
                "(deploy/tls/make-dev-ca.sh writes it)" >&2
            exit 1
        fi
        cp "$root/tls-src/$file" "$root/tls/$file"
    done
    chown -R mosquitto:mosquitto "$root/tls"
fi

# Only the broker's own state; never chown the read-only config mounts.
chown -R mosquitto:mosquitto "$root/data"
exec /usr/sbin/mosquitto -c "$root/config/mosquitto.conf"
