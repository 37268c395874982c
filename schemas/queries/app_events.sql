-- One app's events in a time window, newest first; event_name and country (* = any) filter them.
-- @param app_id String
-- @param event_name String *
-- @param country String *
-- @param from DateTime -1h
-- @param to DateTime now
-- @param limit UInt32 100
SELECT
    timestamp,
    category,
    name,
    event_id,
    backend_id,
    country,
    city,
    properties
FROM events FINAL
WHERE app_id = {app_id:String} AND ({event_name:String} = '*' OR name = {event_name:String}) AND ({country:String} = '*' OR country = {country:String})
    AND timestamp >= {from:DateTime} AND timestamp < {to:DateTime}
ORDER BY timestamp DESC, backend_id
LIMIT {limit:UInt32}
