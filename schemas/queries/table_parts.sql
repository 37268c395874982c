-- Active ClickHouse data parts per table of the database: parts, rows and bytes on disk (many small parts mean inserts are too small or too frequent).
SELECT
    table,
    count() AS parts,
    sum(rows) AS rows,
    sum(bytes_on_disk) AS bytes_on_disk,
    max(modification_time) AS last_change
FROM system.parts
WHERE database = currentDatabase() AND active
GROUP BY table
ORDER BY table
