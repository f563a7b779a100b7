#!/usr/bin/env bash
# Make sure the local services used by adapter tests are up (idempotent; see shared/services.md).
# On a machine without them this prints what is missing; the tests that need them skip.
set -u
up() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
start() {
    local port=$1; shift
    if ! up "$port"; then
        if command -v "$1" >/dev/null 2>&1 || [ -x "$1" ]; then "$@" >/dev/null 2>&1 || true; fi
    fi
}
start 5432 pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql 2>/dev/null | head -n1)" main start
start 3306 start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd
start 6379 redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log
start 5672 rabbitmq-server -detached
start 1883 mosquitto -d -c /etc/mosquitto/mosquitto.conf
start 4222 start-stop-daemon --start --oknodo --background --exec /usr/sbin/nats-server -- -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server -l /var/log/nats-server.log
for port in 5432 3306 6379 5672 1883 4222; do
    up "$port" || echo "service on 127.0.0.1:$port is not reachable (tests that need it will skip)"
done
exit 0
