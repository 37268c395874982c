-- Views with the OpenTelemetry Collector ClickHouse exporter's table and column names (otel_traces, otel_logs)
-- over our spans and logs tables, so tools that read the exporter's schema (Grafana's ClickHouse data source in
-- its trace and log views, HyperDX) read our data unchanged. Current ClickHouse only (Map, DateTime64, JSON
-- functions): migrate.ts applies schemas/clickhouse/current/ when the server is version 24 or newer; the local
-- stack's 18.16 has no such types. Read with FINAL, so a replayed batch shows once. Attribute values are the
-- JSON values as text (strings unquoted), as the exporter stores them.
CREATE OR REPLACE VIEW otel_traces AS
SELECT
    fromUnixTimestamp64Nano(toInt64(start_time_unix_nano)) AS Timestamp,
    trace_id AS TraceId,
    span_id AS SpanId,
    parent_span_id AS ParentSpanId,
    '' AS TraceState,
    name AS SpanName,
    multiIf(kind = 'server', 'Server', kind = 'client', 'Client', kind = 'producer', 'Producer', kind = 'consumer', 'Consumer', kind = 'internal', 'Internal', 'Unspecified') AS SpanKind,
    service AS ServiceName,
    CAST((JSONExtractKeys(resource_attributes), arrayMap(x -> if(startsWith(x, '"'), JSONExtractString(x), x), arrayMap(kv -> kv.2, JSONExtractKeysAndValuesRaw(resource_attributes)))), 'Map(String, String)') AS ResourceAttributes,
    scope_name AS ScopeName,
    scope_version AS ScopeVersion,
    CAST((JSONExtractKeys(attributes), arrayMap(x -> if(startsWith(x, '"'), JSONExtractString(x), x), arrayMap(kv -> kv.2, JSONExtractKeysAndValuesRaw(attributes)))), 'Map(String, String)') AS SpanAttributes,
    duration_ns AS Duration,
    multiIf(status_code = 'ok', 'Ok', status_code = 'error', 'Error', 'Unset') AS StatusCode,
    status_message AS StatusMessage,
    arrayMap(e -> fromUnixTimestamp64Nano(toInt64(JSONExtractString(e, 'time_unix_nano'))), JSONExtractArrayRaw(events)) AS `Events.Timestamp`,
    arrayMap(e -> JSONExtractString(e, 'name'), JSONExtractArrayRaw(events)) AS `Events.Name`,
    arrayMap(e -> CAST((JSONExtractKeys(e, 'attributes'), arrayMap(x -> if(startsWith(x, '"'), JSONExtractString(x), x), arrayMap(kv -> kv.2, JSONExtractKeysAndValuesRaw(e, 'attributes')))), 'Map(String, String)'), JSONExtractArrayRaw(events)) AS `Events.Attributes`,
    arrayMap(l -> JSONExtractString(l, 'trace_id'), JSONExtractArrayRaw(links)) AS `Links.TraceId`,
    arrayMap(l -> JSONExtractString(l, 'span_id'), JSONExtractArrayRaw(links)) AS `Links.SpanId`,
    arrayMap(l -> '', JSONExtractArrayRaw(links)) AS `Links.TraceState`,
    arrayMap(l -> CAST((JSONExtractKeys(l, 'attributes'), arrayMap(x -> if(startsWith(x, '"'), JSONExtractString(x), x), arrayMap(kv -> kv.2, JSONExtractKeysAndValuesRaw(l, 'attributes')))), 'Map(String, String)'), JSONExtractArrayRaw(links)) AS `Links.Attributes`
FROM spans FINAL;

CREATE OR REPLACE VIEW otel_logs AS
SELECT
    fromUnixTimestamp64Nano(toInt64(time_unix_nano)) AS Timestamp,
    time AS TimestampTime,
    trace_id AS TraceId,
    span_id AS SpanId,
    toUInt8(0) AS TraceFlags,
    severity_text AS SeverityText,
    severity_number AS SeverityNumber,
    service AS ServiceName,
    body AS Body,
    '' AS ResourceSchemaUrl,
    CAST((JSONExtractKeys(resource_attributes), arrayMap(x -> if(startsWith(x, '"'), JSONExtractString(x), x), arrayMap(kv -> kv.2, JSONExtractKeysAndValuesRaw(resource_attributes)))), 'Map(String, String)') AS ResourceAttributes,
    '' AS ScopeSchemaUrl,
    scope_name AS ScopeName,
    '' AS ScopeVersion,
    CAST(([], []), 'Map(String, String)') AS ScopeAttributes,
    CAST((JSONExtractKeys(attributes), arrayMap(x -> if(startsWith(x, '"'), JSONExtractString(x), x), arrayMap(kv -> kv.2, JSONExtractKeysAndValuesRaw(attributes)))), 'Map(String, String)') AS LogAttributes,
    event_name AS EventName
FROM logs FINAL;
