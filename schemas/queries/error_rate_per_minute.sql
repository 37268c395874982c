-- Share of spans with status error per service per minute; service * means every service.
-- @param service String *
-- @param from DateTime -1h
-- @param to DateTime now
SELECT
    toStartOfMinute(start_time) AS minute,
    service,
    count() AS spans,
    countIf(status_code = 'error') AS errors,
    round(errors / spans, 4) AS error_rate
FROM spans FINAL
WHERE ({service:String} = '*' OR service = {service:String}) AND start_time >= {from:DateTime} AND start_time < {to:DateTime}
GROUP BY minute, service
ORDER BY minute, service
