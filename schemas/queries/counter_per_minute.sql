-- One counter's increase per minute per service and attribute set, from the delta sum points of the pipeline's own metrics (e.g. consumer_dead_letters_total, gateway_http_requests_total).
-- @param name String
-- @param service String *
-- @param from DateTime -1h
-- @param to DateTime now
SELECT
    toStartOfMinute(time) AS minute,
    service,
    attributes,
    toUInt64(sum(value)) AS increase
FROM metric_points FINAL
WHERE metric_name = {name:String} AND metric_type = 'sum' AND temporality = 'delta'
    AND ({service:String} = '*' OR service = {service:String}) AND time >= {from:DateTime} AND time < {to:DateTime}
GROUP BY minute, service, attributes
ORDER BY minute, service, attributes
