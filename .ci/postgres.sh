#!/usr/bin/env bash
# Installs (when missing) and starts Debian's PostgreSQL, and creates the test database.
# Prints the connection URL for DELIVERABILITY_TEST_PG. Used by .ci/run; runs as root.
set -euo pipefail
if ! command -v pg_ctlcluster >/dev/null 2>&1 || ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
fi
version=$(ls /usr/lib/postgresql | sort -n | tail -1)
if ! pg_lsclusters -h | grep -q "^$version main"; then
  pg_createcluster "$version" main >&2
fi
pg_ctlcluster "$version" main start >&2 || true
for _ in $(seq 1 30); do
  runuser -u postgres -- pg_isready -q -h 127.0.0.1 -p 5432 && break
  sleep 1
done
runuser -u postgres -- psql -q -c "do \$\$ begin if not exists (select from pg_roles where rolname = 'deliverability') then create role deliverability login password 'deliverability-test' superuser; end if; end \$\$;" >&2
runuser -u postgres -- psql -q -tc "select 1 from pg_database where datname = 'deliverability_test'" | grep -q 1 || runuser -u postgres -- createdb -O deliverability deliverability_test >&2
echo "postgres://deliverability:deliverability-test@127.0.0.1:5432/deliverability_test"
