-- Orleans ADO.NET grain storage on PostgreSQL, written for Rapidbyte (no NuGet package ships
-- these scripts). Idempotent: run at every silo start. Objects live in the schema the state
-- data source's search path names; the provider finds its queries in orleansquery by key.
--
-- The query contract (Microsoft.Orleans.Persistence.AdoNet 10.x): parameters @ServiceId,
-- @GrainTypeString, @GrainTypeHash, @GrainIdN0, @GrainIdN1, @GrainIdHash,
-- @GrainIdExtensionString, @GrainStateVersion, @PayloadBinary. Reads return the payload, a
-- timestamp and the version; writes return the new version, and returning the old one means
-- someone else wrote first: the grain sees an ETag conflict instead of overwriting.

CREATE TABLE IF NOT EXISTS orleansquery
(
    querykey  varchar(64) PRIMARY KEY,
    querytext text        NOT NULL
);

-- Unlike upstream's table this one has a primary key: a duplicate row would make a grain
-- unwritable.
CREATE TABLE IF NOT EXISTS grain_state
(
    service_id         text        NOT NULL,
    grain_type         text        NOT NULL,
    grain_id_n0        bigint      NOT NULL,
    grain_id_n1        bigint      NOT NULL,
    grain_id_extension text        NOT NULL DEFAULT '',
    payload            bytea,
    version            integer     NOT NULL,
    modified_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (service_id, grain_type, grain_id_n0, grain_id_n1, grain_id_extension)
);

INSERT INTO orleansquery (querykey, querytext) VALUES
('ReadFromStorageKey', $q$
    SELECT payload AS PayloadBinary, modified_at AS ModifiedOn, version AS Version
    FROM grain_state
    WHERE service_id = @ServiceId AND grain_type = @GrainTypeString
      AND grain_id_n0 = @GrainIdN0 AND grain_id_n1 = @GrainIdN1
      AND grain_id_extension = coalesce(@GrainIdExtensionString, '')
$q$),
('WriteToStorageKey', $q$
    WITH inserted AS (
        INSERT INTO grain_state (service_id, grain_type, grain_id_n0, grain_id_n1, grain_id_extension, payload, version)
        SELECT @ServiceId, @GrainTypeString, @GrainIdN0, @GrainIdN1, coalesce(@GrainIdExtensionString, ''), @PayloadBinary, 1
        WHERE @GrainStateVersion::integer IS NULL
        ON CONFLICT DO NOTHING
        RETURNING version
    ), updated AS (
        UPDATE grain_state SET payload = @PayloadBinary, version = version + 1, modified_at = now()
        WHERE @GrainStateVersion::integer IS NOT NULL AND version = @GrainStateVersion::integer
          AND service_id = @ServiceId AND grain_type = @GrainTypeString
          AND grain_id_n0 = @GrainIdN0 AND grain_id_n1 = @GrainIdN1
          AND grain_id_extension = coalesce(@GrainIdExtensionString, '')
        RETURNING version
    )
    SELECT coalesce((SELECT version FROM inserted), (SELECT version FROM updated), @GrainStateVersion::integer) AS NewGrainStateVersion
$q$),
('ClearStorageKey', $q$
    UPDATE grain_state SET payload = NULL, version = version + 1, modified_at = now()
    WHERE service_id = @ServiceId AND grain_type = @GrainTypeString
      AND grain_id_n0 = @GrainIdN0 AND grain_id_n1 = @GrainIdN1
      AND grain_id_extension = coalesce(@GrainIdExtensionString, '')
      AND version = @GrainStateVersion::integer
    RETURNING version AS NewGrainStateVersion
$q$),
('DeleteStorageKey', $q$
    DELETE FROM grain_state
    WHERE service_id = @ServiceId AND grain_type = @GrainTypeString
      AND grain_id_n0 = @GrainIdN0 AND grain_id_n1 = @GrainIdN1
      AND grain_id_extension = coalesce(@GrainIdExtensionString, '')
      AND version = @GrainStateVersion::integer
    RETURNING version + 1 AS NewGrainStateVersion
$q$)
ON CONFLICT (querykey) DO UPDATE SET querytext = excluded.querytext;
