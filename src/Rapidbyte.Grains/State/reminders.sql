-- Orleans ADO.NET reminders on PostgreSQL, written for Rapidbyte (no NuGet package ships
-- these scripts). Idempotent: run at every silo start, after grain-storage.sql (which creates
-- orleansquery). Objects live in the schema the state data source's search path names.
--
-- The query contract (Microsoft.Orleans.Reminders.AdoNet 10.x): parameters @ServiceId,
-- @GrainId, @ReminderName, @StartTime, @Period (milliseconds), @GrainHash, @BeginHash,
-- @EndHash (hashes as signed int) and @Version. Reads return GrainId, ReminderName,
-- StartTime, Period (read as a 64-bit integer) and Version; the upsert returns the new
-- Version; a delete returns one boolean row, false when the version moved on (ETag conflict).

CREATE TABLE IF NOT EXISTS reminders
(
    service_id    text        NOT NULL,
    grain_id      text        NOT NULL,
    reminder_name text        NOT NULL,
    start_time    timestamptz NOT NULL,
    period_ms     bigint      NOT NULL,
    grain_hash    integer     NOT NULL,
    version       integer     NOT NULL,
    PRIMARY KEY (service_id, grain_id, reminder_name)
);

-- Each silo reads the reminders of its hash range of the ring.
CREATE INDEX IF NOT EXISTS reminders_by_hash ON reminders (service_id, grain_hash);

INSERT INTO orleansquery (querykey, querytext) VALUES
('ReadReminderRowsKey', $q$
    SELECT grain_id AS GrainId, reminder_name AS ReminderName, start_time AS StartTime,
           period_ms AS Period, version AS Version
    FROM reminders
    WHERE service_id = @ServiceId AND grain_id = @GrainId
$q$),
('ReadReminderRowKey', $q$
    SELECT grain_id AS GrainId, reminder_name AS ReminderName, start_time AS StartTime,
           period_ms AS Period, version AS Version
    FROM reminders
    WHERE service_id = @ServiceId AND grain_id = @GrainId AND reminder_name = @ReminderName
$q$),
-- The provider picks this one when (int)begin < (int)end: the range does not wrap.
('ReadRangeRows1Key', $q$
    SELECT grain_id AS GrainId, reminder_name AS ReminderName, start_time AS StartTime,
           period_ms AS Period, version AS Version
    FROM reminders
    WHERE service_id = @ServiceId AND grain_hash > @BeginHash AND grain_hash <= @EndHash
$q$),
-- ... and this one when it wraps around the end of the ring.
('ReadRangeRows2Key', $q$
    SELECT grain_id AS GrainId, reminder_name AS ReminderName, start_time AS StartTime,
           period_ms AS Period, version AS Version
    FROM reminders
    WHERE service_id = @ServiceId AND (grain_hash > @BeginHash OR grain_hash <= @EndHash)
$q$),
('UpsertReminderRowKey', $q$
    INSERT INTO reminders (service_id, grain_id, reminder_name, start_time, period_ms, grain_hash, version)
    VALUES (@ServiceId, @GrainId, @ReminderName, @StartTime, @Period, @GrainHash, 0)
    ON CONFLICT (service_id, grain_id, reminder_name) DO UPDATE
        SET start_time = excluded.start_time, period_ms = excluded.period_ms,
            grain_hash = excluded.grain_hash, version = reminders.version + 1
    RETURNING version AS Version
$q$),
('DeleteReminderRowKey', $q$
    WITH deleted AS (
        DELETE FROM reminders
        WHERE service_id = @ServiceId AND grain_id = @GrainId AND reminder_name = @ReminderName
          AND version = @Version
        RETURNING 1
    )
    SELECT count(*) > 0 FROM deleted
$q$),
('DeleteReminderRowsKey', $q$
    DELETE FROM reminders WHERE service_id = @ServiceId
$q$)
ON CONFLICT (querykey) DO UPDATE SET querytext = excluded.querytext;
