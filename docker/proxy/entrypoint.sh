#!/bin/bash
# NVCF intermediary proxy entrypoint: checks the environment, renders
# haproxy.cfg from the template, generates a self-signed certificate when
# PROXY_SSL_INSECURE=true, then runs haproxy in the foreground and forwards
# SIGTERM/SIGINT to it.
#   entrypoint.sh          render and run
#   entrypoint.sh check    render and validate (haproxy -c), then exit
# Secrets (NVCF_API_KEY, PROXY_JWT_SECRET) are never written to the rendered
# file nor printed: haproxy reads them from its environment.
set -euo pipefail

mode="${1:-run}"
conf_dir="${PROXY_CONFIG_DIR:-/usr/local/etc/haproxy}"
template="${PROXY_TEMPLATE:-$conf_dir/haproxy.cfg.template}"
export PROXY_LUA="${PROXY_LUA:-$conf_dir/lua/nvcf-proxy.lua}"
cert_dir="${PROXY_CERT_DIR:-$conf_dir/certs}"
haproxy_bin="${HAPROXY_BIN:-haproxy}"
config="$conf_dir/haproxy.cfg"

die() { echo "entrypoint: $*" >&2; exit 1; }

# Shows at most 4 leading and 2 trailing characters, none for short keys.
mask() {
  local v="$1"
  if [ "${#v}" -ge 20 ]; then echo "${v:0:4}****${v: -2} (${#v} chars)"; else echo "**** (${#v} chars)"; fi
}

[ -n "${NVCF_API_KEY:-}" ] || die "NVCF_API_KEY must be set"
[ -n "${STREAMING_FUNCTION_ID:-}" ] || die "STREAMING_FUNCTION_ID must be set"
export STREAMING_FUNCTION_VERSION_ID="${STREAMING_FUNCTION_VERSION_ID:-}"

if [ -z "${NVCF_SERVER:-}" ]; then
  [ -n "${GATEWAY_ADDR:-}" ] || die "NVCF_SERVER (or GATEWAY_ADDR, the NVCF gateway address) must be set"
  export NVCF_SERVER="$GATEWAY_ADDR"
  echo "NVCF_SERVER not set, using GATEWAY_ADDR: $NVCF_SERVER"
fi
export NVCF_SERVER_PORT="${NVCF_SERVER_PORT:-443}"
export NVCF_SERVER_TLS="${NVCF_SERVER_TLS:-true}"
if [ "$NVCF_SERVER_TLS" = "true" ]; then
  export NVCF_SERVER_OPTS="ssl verify required ca-file ${PROXY_CA_FILE:-/etc/ssl/certs/ca-certificates.crt} sni str($NVCF_SERVER) alpn http/1.1"
else
  export NVCF_SERVER_OPTS=""
fi
export PROXY_PORT="${PROXY_PORT:-49100}"
export PROXY_BIND_ADDR="${PROXY_BIND_ADDR:-*}"
export PROXY_SSL_INSECURE="${PROXY_SSL_INSECURE:-false}"
export PROXY_TUNNEL_TIMEOUT="${PROXY_TUNNEL_TIMEOUT:-12h}"
export PROXY_ALLOWED_FUNCTIONS="${PROXY_ALLOWED_FUNCTIONS:-}"

# User tokens: HS256 secret (env or file) or RS256 public key (file or env).
mkdir -p "$conf_dir"
if [ -n "${PROXY_JWT_SECRET_FILE:-}" ]; then
  [ -r "$PROXY_JWT_SECRET_FILE" ] || die "PROXY_JWT_SECRET_FILE $PROXY_JWT_SECRET_FILE is not readable"
  PROXY_JWT_SECRET="$(cat "$PROXY_JWT_SECRET_FILE")"
fi
if [ -n "${PROXY_JWT_PUBLIC_KEY:-}" ] && [ -z "${PROXY_JWT_PUBLIC_KEY_FILE:-}" ]; then
  PROXY_JWT_PUBLIC_KEY_FILE="$conf_dir/jwt-public.pem"
  printf '%s\n' "$PROXY_JWT_PUBLIC_KEY" > "$PROXY_JWT_PUBLIC_KEY_FILE"
fi
if [ -n "${PROXY_JWT_PUBLIC_KEY_FILE:-}" ]; then
  [ -r "$PROXY_JWT_PUBLIC_KEY_FILE" ] || die "PROXY_JWT_PUBLIC_KEY_FILE $PROXY_JWT_PUBLIC_KEY_FILE is not readable"
  case "$PROXY_JWT_PUBLIC_KEY_FILE" in *[,\)\"\ ]*) die "PROXY_JWT_PUBLIC_KEY_FILE must not contain , ) \" or spaces";; esac
  export PROXY_JWT_ALG=RS256
  export PROXY_JWT_KEY_ARG="\"$PROXY_JWT_PUBLIC_KEY_FILE\""
  export PROXY_JWT_SECRET=""
  auth_desc="RS256, public key $PROXY_JWT_PUBLIC_KEY_FILE"
elif [ -n "${PROXY_JWT_SECRET:-}" ]; then
  export PROXY_JWT_SECRET
  export PROXY_JWT_ALG=HS256
  export PROXY_JWT_KEY_ARG="txn.jwt_key"
  auth_desc="HS256, secret $(mask "$PROXY_JWT_SECRET")"
else
  die "set PROXY_JWT_SECRET, PROXY_JWT_SECRET_FILE, PROXY_JWT_PUBLIC_KEY_FILE or PROXY_JWT_PUBLIC_KEY"
fi

if [ "$PROXY_SSL_INSECURE" = "true" ]; then
  mkdir -p "$cert_dir"
  if [ ! -s "$cert_dir/server.pem" ]; then
    openssl req -x509 -newkey rsa:2048 -keyout "$cert_dir/server.key" -out "$cert_dir/server.crt" \
      -days 365 -nodes -subj "/CN=localhost" -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" 2>/dev/null
    cat "$cert_dir/server.crt" "$cert_dir/server.key" > "$cert_dir/server.pem"
    chmod 600 "$cert_dir/server.key" "$cert_dir/server.pem"
  fi
  export PROXY_SSL_BIND_OPTIONS="ssl crt $cert_dir/server.pem alpn http/1.1"
  # Over TLS the cookie can be cross-site; over plain HTTP (local use) Lax.
  export PROXY_COOKIE_ATTRS="${PROXY_COOKIE_ATTRS-SameSite=None; Secure}"
  ssl_desc="on (self-signed certificate in $cert_dir)"
else
  export PROXY_SSL_BIND_OPTIONS=""
  export PROXY_COOKIE_ATTRS="${PROXY_COOKIE_ATTRS-SameSite=Lax}"
  ssl_desc="off (plain HTTP)"
fi

echo "Launching intermediate proxy:"
echo "  API Key: $(mask "$NVCF_API_KEY")"
echo "  Function ID: $STREAMING_FUNCTION_ID"
echo "  Version ID: ${STREAMING_FUNCTION_VERSION_ID:-(none)}"
echo "  NVCF Server: $NVCF_SERVER:$NVCF_SERVER_PORT (TLS $NVCF_SERVER_TLS)"
echo "  Proxy: ${PROXY_BIND_ADDR}:${PROXY_PORT}, SSL $ssl_desc"
echo "  User tokens: $auth_desc; allow-list: ${PROXY_ALLOWED_FUNCTIONS:-(none, claims only)}"
echo "  Tunnel timeout: $PROXY_TUNNEL_TIMEOUT"

vars='${PROXY_LUA} ${PROXY_TUNNEL_TIMEOUT} ${PROXY_BIND_ADDR} ${PROXY_PORT} ${PROXY_SSL_BIND_OPTIONS} ${PROXY_JWT_ALG} ${PROXY_JWT_KEY_ARG} ${NVCF_SERVER} ${NVCF_SERVER_PORT} ${NVCF_SERVER_OPTS}'
envsubst "$vars" < "$template" > "$config"
echo "  Config: $config"

if [ "$mode" = "check" ]; then
  exec "$haproxy_bin" -c -f "$config"
fi

haproxy_pid=""
forward() {
  echo "Received signal, shutting down HAProxy..."
  if [ -n "$haproxy_pid" ]; then kill -TERM "$haproxy_pid" 2>/dev/null || true; wait "$haproxy_pid" || true; fi
  exit 0
}
trap forward TERM INT

echo "Starting HAProxy..."
"$haproxy_bin" -db -f "$config" &
haproxy_pid=$!
set +e
wait "$haproxy_pid"
rc=$?
# wait returns early when a trapped signal arrives; the trap then exits.
exit $rc
