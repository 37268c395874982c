-- Countries with the most events (and distinct devices; events without device_id count no device) in a time window; '' is "no location".
-- @param from DateTime -24h
-- @param to DateTime now
-- @param limit UInt32 20
SELECT
    country,
    count() AS events,
    uniqExactIf(device_id, device_id != '') AS devices,
    uniqExact(app_id) AS apps
FROM events FINAL
WHERE timestamp >= {from:DateTime} AND timestamp < {to:DateTime}
GROUP BY country
ORDER BY events DESC, country
LIMIT {limit:UInt32}
