-- Log records (OTLP /v1/logs, /v1/batch category "logs"). Time to the nanosecond in time_unix_nano; time
-- (DateTime) partitions and sorts. ReplacingMergeTree keyed down to backend_id (the gateway's id of the
-- record): a batch replayed after a consumer crash collapses to one row under FINAL.
CREATE TABLE IF NOT EXISTS logs
(
    time DateTime('UTC'),
    time_unix_nano UInt64,
    observed_time_unix_nano UInt64,
    service String,
    severity_number UInt8,
    severity_text String,
    body String,
    event_name String,
    trace_id String,
    span_id String,
    attributes String,
    resource_attributes String,
    scope_name String,
    record_id String,
    app_id String,
    backend_id UUID,
    received_at DateTime('UTC'),
    request_id String,
    inserted_at DateTime('UTC') DEFAULT now()
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(time)
ORDER BY (service, toStartOfHour(time), time_unix_nano, backend_id)
-- @shard_key cityHash64(toString(backend_id))
SETTINGS index_granularity = 8192;
