#!/bin/sh
# Make a local certificate authority and TLS certificates for DEVELOPMENT ONLY.
#
#   deploy/tls/make-dev-ca.sh OUT_DIR [CLIENT_NAME ...]
#
# Writes into OUT_DIR (created with mode 0700):
#   ca.crt, ca.key                  the dev CA (reused if it exists, so clients can be added later)
#   mosquitto.crt, mosquitto.key    the broker's server certificate; subjectAltName
#                                   DNS:localhost, DNS:mosquitto, IP:127.0.0.1 plus
#                                   KOTA_TLS_EXTRA_SAN (e.g. "DNS:mqtt.kota.test,IP:10.0.0.5")
#   <CLIENT_NAME>.crt/.key          optional client certificates (CN = the name, e.g. a
#                                   sensor id) for brokers that require_certificate
#
# Keys are mode 0600 and never belong in git: OUT_DIR must be outside the work tree or
# ignored by it (the default place is .kota/tls, which .gitignore covers). Production
# uses the city's own PKI or cert-manager; see deploy/SECURITY.md.
#
# Settings (environment): KOTA_TLS_DAYS (default 825, the CA/B Forum ceiling browsers and
# Apple platforms enforce for leaf certificates), KOTA_TLS_KEY ("rsa" 2048-bit, the
# default for the widest device support, or "ec" for P-256), KOTA_TLS_EXTRA_SAN.
set -eu

usage() {
    echo "usage: $0 OUT_DIR [CLIENT_NAME ...]" >&2
    exit 2
}

[ $# -ge 1 ] || usage
out=$1
shift
days=${KOTA_TLS_DAYS:-825}
key_type=${KOTA_TLS_KEY:-rsa}
extra_san=${KOTA_TLS_EXTRA_SAN:-}

# Client names become file names and certificate CNs: sensor-id characters only.
for client in "$@"; do
    case $client in
        mosquitto | ca | "" | .* | *[!A-Za-z0-9_.-]*)
            echo "make-dev-ca: bad client name '$client'" >&2
            exit 2
            ;;
    esac
done

command -v openssl >/dev/null 2>&1 || { echo "make-dev-ca: openssl is required" >&2; exit 1; }

case $key_type in
    rsa) key_args="-newkey rsa:2048" ;;
    ec) key_args="-newkey ec -pkeyopt ec_paramgen_curve:P-256" ;;
    *) echo "make-dev-ca: KOTA_TLS_KEY must be rsa or ec, got '$key_type'" >&2; exit 2 ;;
esac

created=
[ -d "$out" ] || created=yes
mkdir -p "$out"
chmod 0700 "$out"
out=$(cd "$out" && pwd)

# Refuse to drop private keys where `git add .` would pick them up.
if git -C "$out" rev-parse --is-inside-work-tree >/dev/null 2>&1 \
    && ! git -C "$out" check-ignore -q "$out/ca.key"; then
    [ -n "$created" ] && rmdir "$out"
    echo "make-dev-ca: $out is inside a git work tree and not ignored; keys must never" \
        "be committed. Use a folder outside the repository or an ignored one (.kota/tls)." >&2
    exit 1
fi

umask 077
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if [ ! -s "$out/ca.key" ] || [ ! -s "$out/ca.crt" ]; then
    # shellcheck disable=SC2086 # key_args is a list of options
    openssl req -x509 -new -nodes $key_args -sha256 -days "$days" \
        -keyout "$out/ca.key" -out "$out/ca.crt" \
        -subj "/O=kotacerdas development/CN=kotacerdas dev CA" \
        -addext "basicConstraints=critical,CA:TRUE,pathlen:0" \
        -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
    echo "created dev CA $out/ca.crt"
fi

# issue NAME SUBJECT_ALT_NAME EXTENDED_KEY_USAGE
issue() {
    name=$1 san=$2 eku=$3
    {
        echo "basicConstraints=critical,CA:FALSE"
        echo "keyUsage=critical,digitalSignature,keyEncipherment"
        echo "extendedKeyUsage=$eku"
        [ -n "$san" ] && echo "subjectAltName=$san"
    } >"$work/$name.ext"
    # shellcheck disable=SC2086
    openssl req -new -nodes $key_args -keyout "$out/$name.key" -out "$work/$name.csr" \
        -subj "/O=kotacerdas development/CN=$name" 2>/dev/null
    openssl x509 -req -in "$work/$name.csr" -CA "$out/ca.crt" -CAkey "$out/ca.key" \
        -CAcreateserial -CAserial "$work/ca.srl" -days "$days" -sha256 \
        -extfile "$work/$name.ext" -out "$out/$name.crt" 2>/dev/null
    chmod 0600 "$out/$name.key"
    chmod 0644 "$out/$name.crt"
    echo "issued $out/$name.crt"
}

server_san="DNS:localhost,DNS:mosquitto,IP:127.0.0.1"
[ -n "$extra_san" ] && server_san="$server_san,$extra_san"
issue mosquitto "$server_san" serverAuth

for client in "$@"; do
    issue "$client" "" clientAuth
done

chmod 0600 "$out/ca.key"
chmod 0644 "$out/ca.crt"
