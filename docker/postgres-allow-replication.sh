#!/bin/sh
# Run once by the postgres image when it creates its database (/docker-entrypoint-initdb.d): lets
# the compose network's db-replica service stream from this primary (README, "Read replicas").
# The image's own pg_hba.conf allows replication from the container itself only.
set -e
echo "host replication ${POSTGRES_USER} all scram-sha-256" >> "$PGDATA/pg_hba.conf"
