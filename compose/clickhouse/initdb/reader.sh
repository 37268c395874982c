#!/bin/sh
# The read-only ClickHouse user Grafana reads with (as the console reads with the local stack's telemetry_reader):
# SELECT on the telemetry database only, readonly = 1 it cannot change; only max_execution_time may be set (the
# Grafana ClickHouse plugin sets it on every query for its timeout). The clickhouse image runs this once, on
# its first start (empty data volume), as the admin user of CLICKHOUSE_USER / CLICKHOUSE_PASSWORD. Only the
# SHA-256 of CLICKHOUSE_READER_PASSWORD reaches ClickHouse (no password in its query log). Sourced or executed.
reader_sha256=$(printf %s "$CLICKHOUSE_READER_PASSWORD" | sha256sum | cut -d' ' -f1)
clickhouse client --host 127.0.0.1 --user "$CLICKHOUSE_USER" --password "$CLICKHOUSE_PASSWORD" --multiquery --query "
CREATE USER IF NOT EXISTS \`${CLICKHOUSE_READER_USER:-telemetry_reader}\` IDENTIFIED WITH sha256_hash BY '$reader_sha256'
    SETTINGS readonly = 1 CONST, max_execution_time CHANGEABLE_IN_READONLY;
GRANT SELECT ON telemetry.* TO \`${CLICKHOUSE_READER_USER:-telemetry_reader}\`;
"
