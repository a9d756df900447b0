#!/usr/bin/env bash
# Start PostgreSQL and RabbitMQ when they are not answering (the machine's own servers;
# no Docker engine here). Waits until both answer.
set -u

answers() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_for() {
  local port=$1 name=$2
  for _ in $(seq 1 60); do answers "$port" && return 0; sleep 1; done
  echo "$name is still not answering on port $port" >&2
  return 1
}

if ! answers 5432; then
  echo "starting PostgreSQL"
  if command -v pg_ctlcluster >/dev/null 2>&1; then
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
  fi
  wait_for 5432 PostgreSQL || exit 1
fi

if ! answers 5672; then
  echo "starting RabbitMQ"
  if command -v rabbitmq-server >/dev/null 2>&1; then
    rabbitmq-server -detached || true
  fi
  wait_for 5672 RabbitMQ || exit 1
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
      rabbitmq-plugins -q enable $PLUGINS >/dev/null || { echo "could not enable $PLUGINS" >&2; exit 1; }
      break
    fi
  done
fi
exit 0
