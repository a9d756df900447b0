#!/usr/bin/env bash
# Start PostgreSQL and RabbitMQ when they are not answering (the machine's own servers;
# no Docker engine here), installing them first from the operating system's packages when
# they are missing (Debian/Ubuntu: apt-get, as root or through sudo; elsewhere a message
# naming the packages). Waits until both answer; enables the RabbitMQ plugins the suite needs.
# CRM_PG_PORT / CRM_RABBITMQ_PORT: the ports looked at (5432 / 5672).
set -u

PG_PORT=${CRM_PG_PORT:-5432}
MQ_PORT=${CRM_RABBITMQ_PORT:-5672}
PACKAGES_PG=postgresql
PACKAGES_MQ=rabbitmq-server

answers() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_for() {
  local port=$1 name=$2
  for _ in $(seq 1 60); do answers "$port" && return 0; sleep 1; done
  echo "$name is still not answering on port $port" >&2
  return 1
}

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

install_packages() {
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "PostgreSQL and RabbitMQ are needed and not installed: install the packages $* (PostgreSQL 13 or" \
         "newer; RabbitMQ 3.10 or newer, with its shovel plugin) with this system's package manager, start" \
         "them, and run make again" >&2
    return 1
  fi
  if [ "$(id -u)" != 0 ] && ! command -v sudo >/dev/null 2>&1; then
    echo "installing $* needs root: run \`apt-get install $*\` as root, then make again" >&2
    return 1
  fi
  echo "installing $* from the operating system's packages (apt-get)"
  as_root apt-get update -qq && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

# A PostgreSQL installed here is a development server: the local superuser connects over
# 127.0.0.1 without a password, as `make run` and the tests expect (the components
# themselves log in with their own roles and passwords).
trust_local_superuser() {
  local hba
  for hba in /etc/postgresql/*/main/pg_hba.conf; do
    [ -f "$hba" ] || continue
    as_root grep -q "^host all postgres 127.0.0.1/32 trust" "$hba" && continue
    as_root sed -i "1i host all postgres 127.0.0.1/32 trust" "$hba"
    # the package may have started the cluster already: it reads the file again
    as_root pg_ctlcluster --skip-systemctl-redirect "$(basename "$(dirname "$(dirname "$hba")")")" main reload \
      >/dev/null 2>&1 || true
  done
}

missing=()
installed_pg=0
if ! answers "$PG_PORT" && ! command -v pg_ctlcluster >/dev/null 2>&1; then missing+=("$PACKAGES_PG"); installed_pg=1; fi
if ! answers "$MQ_PORT" && ! command -v rabbitmq-server >/dev/null 2>&1; then missing+=("$PACKAGES_MQ"); fi
if [ ${#missing[@]} -gt 0 ]; then
  install_packages "${missing[@]}" || exit 1
  [ "$installed_pg" = 1 ] && trust_local_superuser
fi

if ! answers "$PG_PORT"; then
  echo "starting PostgreSQL"
  if command -v pg_ctlcluster >/dev/null 2>&1; then
    as_root pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
  fi
  wait_for "$PG_PORT" PostgreSQL || exit 1
fi

if ! answers "$MQ_PORT"; then
  echo "starting RabbitMQ"
  if command -v rabbitmq-server >/dev/null 2>&1; then
    as_root rabbitmq-server -detached || true
  fi
  wait_for "$MQ_PORT" RabbitMQ || exit 1
  # the port answers before the broker accepts AMQP logins; give it a moment
  for _ in $(seq 1 30); do rabbitmqctl -q status >/dev/null 2>&1 && break; sleep 1; done
fi
# the plugins the suite needs (issue 18: a branch's events reach head office through a
# shovel); enabling is idempotent, and skipped when they already are
PLUGINS="rabbitmq_shovel rabbitmq_shovel_management"
PLUGINS_FILE=${RABBITMQ_ENABLED_PLUGINS_FILE:-/etc/rabbitmq/enabled_plugins}
if command -v rabbitmq-plugins >/dev/null 2>&1; then
  # the file the broker reads is quicker to look at than `rabbitmq-plugins list`
  if [ -r "$PLUGINS_FILE" ]; then enabled=$(tr -d '[]. \n' <"$PLUGINS_FILE" | tr ',' '\n')
  else enabled=$(rabbitmq-plugins -q list -E -m 2>/dev/null || true); fi
  for p in $PLUGINS; do
    if ! grep -qx "$p" <<<"$enabled"; then
      echo "enabling RabbitMQ plugins $PLUGINS"
      as_root rabbitmq-plugins -q enable $PLUGINS >/dev/null || { echo "could not enable $PLUGINS" >&2; exit 1; }
      break
    fi
  done
fi
exit 0
