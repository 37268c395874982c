-- Metric points: one row per data point of a gauge, sum or histogram (OTLP /v1/metrics, /v1/batch
-- category "metrics"). A series is (metric_name, service, attributes, resource_attributes); attributes are
-- JSON text with sorted keys. ReplacingMergeTree keyed by series and point time: a replayed batch, or a
-- point sent again, collapses to one row under FINAL.
CREATE TABLE IF NOT EXISTS metric_points
(
    metric_name String,
    metric_type String,
    unit String,
    service String,
    attributes String,
    resource_attributes String,
    time DateTime('UTC'),
    time_unix_nano UInt64,
    start_time_unix_nano UInt64,
    value Float64,
    count UInt64,
    sum Float64,
    min Float64,
    max Float64,
    bucket_counts Array(UInt64),
    explicit_bounds Array(Float64),
    temporality String,
    is_monotonic UInt8,
    description String,
    scope_name String,
    point_id String,
    app_id String,
    backend_id UUID,
    received_at DateTime('UTC'),
    request_id String,
    inserted_at DateTime('UTC') DEFAULT now()
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(time)
ORDER BY (metric_name, service, toStartOfHour(time), cityHash64(attributes, resource_attributes), time_unix_nano, metric_type)
-- @shard_key cityHash64(metric_name, service, attributes, resource_attributes)
SETTINGS index_granularity = 8192;

-- Per-minute rollup per series (instances of a service merged), maintained by the materialized view below,
-- so dashboards over days read minutes instead of raw points. Read with the -Merge combinators, grouping by
-- the key. Replay safety: points (distinct point times per instance), min, max and last (argMax by time)
-- are unchanged by a replayed insert; sum_value, avg_value and quantiles_value would count a replayed point
-- twice (a consumer crash between insert and commit), so series queries use last/min/max.
CREATE TABLE IF NOT EXISTS metric_rollup_1m
(
    metric_name String,
    metric_type String,
    service String,
    attributes String,
    minute DateTime('UTC'),
    points AggregateFunction(uniqExact, UInt64, String),
    min_value AggregateFunction(min, Float64),
    max_value AggregateFunction(max, Float64),
    last_value AggregateFunction(argMax, Float64, UInt64),
    sum_value AggregateFunction(sum, Float64),
    avg_value AggregateFunction(avg, Float64),
    quantiles_value AggregateFunction(quantiles(0.5, 0.95, 0.99), Float64),
    last_count AggregateFunction(argMax, UInt64, UInt64),
    last_sum AggregateFunction(argMax, Float64, UInt64)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(minute)
ORDER BY (metric_name, service, metric_type, attributes, minute)
SETTINGS index_granularity = 8192;

CREATE MATERIALIZED VIEW IF NOT EXISTS metric_rollup_1m_mv TO metric_rollup_1m AS
SELECT
    metric_name,
    metric_type,
    service,
    attributes,
    toStartOfMinute(time) AS minute,
    uniqExactState(time_unix_nano, resource_attributes) AS points,
    minState(value) AS min_value,
    maxState(value) AS max_value,
    argMaxState(value, time_unix_nano) AS last_value,
    sumState(value) AS sum_value,
    avgState(value) AS avg_value,
    quantilesState(0.5, 0.95, 0.99)(value) AS quantiles_value,
    argMaxState(count, time_unix_nano) AS last_count,
    argMaxState(sum, time_unix_nano) AS last_sum
FROM metric_points
GROUP BY metric_name, metric_type, service, attributes, minute;
