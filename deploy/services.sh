#!/usr/bin/env bash
# Starts whatever zhifa needs and is not running, on loopback: PostgreSQL and Redis from
# Debian's packages, MinIO built once from source into a cache outside the repository.
# Idempotent: services that already answer are used as they are. Prints what it did.
set -euo pipefail

CACHE="${ZHIFA_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/zhifa}"
MINIO_VERSION="v0.0.0-20260212201848-7aac2a2c5b7c"
MINIO_BIN="$CACHE/bin/minio"
MINIO_ADDR="127.0.0.1:9000"
DB_NAME="${ZHIFA_DB_NAME:-zhifa}"

say() { printf 'deploy: %s\n' "$*"; }
port_open() { timeout 1 bash -c "</dev/tcp/127.0.0.1/$1" 2>/dev/null; }
need_root() { [ "$(id -u)" = 0 ] || { say "需要 root 权限安装 $1（请以 root 运行或先手动安装）"; exit 1; }; }
apt_ready=0
apt_install() {
  need_root "$*"
  if [ "$apt_ready" = 0 ]; then apt-get update -qq; apt_ready=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

start_postgres() {
  if port_open 5432; then say "PostgreSQL answers on 127.0.0.1:5432, using it"; else
    if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
      say "installing PostgreSQL from Debian's packages"
      apt_install postgresql
    fi
    local ver; ver=$(ls /etc/postgresql | sort -V | tail -1)
    local hba="/etc/postgresql/$ver/main/pg_hba.conf"
    # Local development trusts loopback, as the test machines do; production uses a
    # managed PostgreSQL with passwords (deploy/README.md).
    if ! grep -q 'zhifa: trust loopback' "$hba"; then
      sed -i '1i # zhifa: trust loopback\nhost all all 127.0.0.1/32 trust\nhost all all ::1/128 trust' "$hba"
    fi
    say "starting PostgreSQL $ver"
    pg_ctlcluster --skip-systemctl-redirect "$ver" main start
    for _ in $(seq 1 30); do port_open 5432 && break; sleep 1; done
    su postgres -c "psql -qtc \"SELECT 1 FROM pg_roles WHERE rolname='root'\" | grep -q 1 || createuser -s root"
  fi
  if ! psql -h 127.0.0.1 -U root -d postgres -qtc "SELECT 1 FROM pg_database WHERE datname='$DB_NAME'" | grep -q 1; then
    psql -h 127.0.0.1 -U root -d postgres -qc "CREATE DATABASE $DB_NAME" && say "created database $DB_NAME"
  fi
}

start_redis() {
  if port_open 6379; then say "Redis answers on 127.0.0.1:6379, using it"; return; fi
  command -v redis-server >/dev/null || { say "installing Redis from Debian's packages"; apt_install redis-server; }
  mkdir -p "$CACHE/redis"
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
    --dir "$CACHE/redis" --logfile "$CACHE/redis/redis.log"
  for _ in $(seq 1 20); do port_open 6379 && break; sleep 0.5; done
  say "started Redis on 127.0.0.1:6379"
}

start_minio() {
  mkdir -p "$CACHE/minio/data" "$CACHE/bin"
  # Keys are generated once per machine and never stored in the repository.
  [ -s "$CACHE/minio/access_key" ] || printf 'zhifa' > "$CACHE/minio/access_key"
  [ -s "$CACHE/minio/secret_key" ] || (umask 077; head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$CACHE/minio/secret_key")
  if port_open 9000; then say "MinIO answers on $MINIO_ADDR, using it"; return; fi
  if [ ! -x "$MINIO_BIN" ]; then
    say "building MinIO $MINIO_VERSION into $CACHE/bin (once; about 6 minutes on 2 cores)"
    GOBIN="$CACHE/bin" GOFLAGS=-mod=mod go install "github.com/minio/minio@$MINIO_VERSION"
  fi
  MINIO_ROOT_USER="$(cat "$CACHE/minio/access_key")" MINIO_ROOT_PASSWORD="$(cat "$CACHE/minio/secret_key")" \
    MINIO_BROWSER=off nohup "$MINIO_BIN" server --quiet --address "$MINIO_ADDR" "$CACHE/minio/data" \
    >"$CACHE/minio/minio.log" 2>&1 &
  for _ in $(seq 1 60); do port_open 9000 && break; sleep 0.5; done
  port_open 9000 || { say "MinIO did not start; see $CACHE/minio/minio.log"; exit 1; }
  say "started MinIO on $MINIO_ADDR (data in $CACHE/minio/data)"
}

# The key that signs officers' certificate QR codes, generated once per machine.
mkdir -p "$CACHE"
[ -s "$CACHE/qr_key" ] || (umask 077; head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$CACHE/qr_key")
# The Ed25519 seed that signs the transparency log's checkpoints, likewise.
[ -s "$CACHE/log_key" ] || (umask 077; head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$CACHE/log_key")
# The Ed25519 seed that signs inspection codes (检查码), likewise.
[ -s "$CACHE/check_key" ] || (umask 077; head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$CACHE/check_key")
# The seed that seals the data-exchange destinations' secrets in the database.
[ -s "$CACHE/exchange_key" ] || (umask 077; head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$CACHE/exchange_key")
[ -s "$CACHE/document_key" ] || (umask 077; head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$CACHE/document_key")

start_postgres
start_redis
start_minio
