-- Generic telemetry events. Runs unchanged on ClickHouse 18.16 (Debian) and current releases.
-- ReplacingMergeTree keyed by the full sorting key, which ends in backend_id: a batch replayed after a
-- consumer crash (inserted, offset not yet committed) writes rows identical to the first copy, and
-- queries read with FINAL (or merges collapse them), so each acknowledged event counts once.
CREATE TABLE IF NOT EXISTS events
(
    backend_id UUID,
    event_id String,
    app_id String,
    category String,
    name String,
    timestamp DateTime('UTC'),
    timestamp_ms UInt64,
    client_timestamp_ms UInt64,
    received_at DateTime('UTC'),
    received_at_ms UInt64,
    sent_at_ms UInt64,
    time_correction String,
    ip String,
    country String,
    region String,
    city String,
    properties String,
    trace_id String,
    span_id String,
    sdk_name String,
    sdk_version String,
    device_id String,
    context String,
    request_id String,
    inserted_at DateTime('UTC') DEFAULT now()
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(timestamp)
ORDER BY (app_id, category, toStartOfHour(timestamp), backend_id)
-- @shard_key cityHash64(toString(backend_id))
SETTINGS index_granularity = 8192
