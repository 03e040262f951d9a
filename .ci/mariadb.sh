#!/usr/bin/env bash
# Installs (when missing) and starts Debian's MariaDB (10.11: it has SKIP LOCKED), and creates the
# test user. Prints the connection URL for DELIVERABILITY_TEST_MYSQL. Used by .ci/run; runs as root.
# There is no systemd here, so mysqld_safe is started directly.
set -euo pipefail
if ! command -v mysqld_safe >/dev/null 2>&1; then
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mariadb-server >&2
fi
if ! mysqladmin ping >/dev/null 2>&1; then
  mkdir -p /run/mysqld && chown mysql:mysql /run/mysqld
  (nohup mysqld_safe --user=mysql --bind-address=127.0.0.1 --port=3306 >/tmp/deliverability-mysqld.log 2>&1 &)
  for _ in $(seq 1 60); do
    mysqladmin ping >/dev/null 2>&1 && break
    sleep 1
  done
fi
mysqladmin ping >&2
mysql -e "CREATE USER IF NOT EXISTS 'deliverability'@'127.0.0.1' IDENTIFIED BY 'deliverability-test'; GRANT ALL ON *.* TO 'deliverability'@'127.0.0.1'; CREATE DATABASE IF NOT EXISTS deliverability_test CHARACTER SET utf8mb4;" >&2
echo "mysql://deliverability:deliverability-test@127.0.0.1:3306/deliverability_test"
