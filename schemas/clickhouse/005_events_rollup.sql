-- Events per minute per (app, category, name, country), maintained by the materialized view below, so the
-- console's Ingest and Events panels read minutes instead of scanning `events FINAL` (a million events: four
-- FINAL scans at once took 5-10 s on two cores; README, The console). Read with the -Merge combinators.
-- Resend and replay safety: a materialized view sees every insert, so a replayed batch or a client resend (same
-- backend_id) reaches this table twice. `event_ids` keeps the set of distinct events (64-bit hashes of the
-- identity FINAL collapses on: app_id, category, backend_id) of its group, so a row seen twice counts once.
-- Exact up to a hash collision: among n distinct events of one answer the expected undercount is n²/2⁶⁵
-- (3·10⁻⁸ events for a million). Set unions
-- are idempotent, so inserting the same events again (a backfill over rows the view already saw) changes no
-- count. `device_ids` (distinct non-empty device_id hashes) and min/max timestamp are as replay-safe.
-- Unlike FINAL, which keeps the last copy, a resend that changed a non-key column (e.g. a country from a new
-- client address) counts once per distinct value in answers grouped by that column (README, ClickHouse).
CREATE TABLE IF NOT EXISTS events_rollup_1m
(
    minute DateTime('UTC'),
    app_id String,
    category String,
    name String,
    country String,
    event_ids AggregateFunction(uniqExact, UInt64),
    device_ids AggregateFunction(uniqExactIf, UInt64, UInt8),
    min_timestamp AggregateFunction(min, DateTime('UTC')),
    max_timestamp AggregateFunction(max, DateTime('UTC'))
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(minute)
ORDER BY (minute, app_id, category, name, country)
SETTINGS index_granularity = 8192;

-- The migrate run that creates events_rollup_1m fills it from the events already stored, a day at a time (backfill.ts):
-- @backfill timestamp
CREATE MATERIALIZED VIEW IF NOT EXISTS events_rollup_1m_mv TO events_rollup_1m AS
SELECT
    toStartOfMinute(timestamp) AS minute,
    app_id,
    category,
    name,
    country,
    uniqExactState(cityHash64(app_id, category, toString(backend_id))) AS event_ids,
    uniqExactIfState(cityHash64(device_id), device_id != '') AS device_ids,
    minState(timestamp) AS min_timestamp,
    maxState(timestamp) AS max_timestamp
FROM events
GROUP BY minute, app_id, category, name, country
