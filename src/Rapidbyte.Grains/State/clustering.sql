-- Orleans ADO.NET clustering (the membership table) on PostgreSQL, written for Rapidbyte (no
-- NuGet package ships these scripts). Idempotent: run at every silo start, after
-- grain-storage.sql (which creates orleansquery). Objects live in the schema the state data
-- source's search path names.
--
-- The query contract (Microsoft.Orleans.Clustering.AdoNet 10.x): parameters @DeploymentId
-- (the cluster id), @Address, @Port, @Generation, @SiloName, @HostName, @Status, @ProxyPort,
-- @SuspectTimes, @StartTime, @IAmAliveTime and @Version (the table version the silo last
-- read: its ETag). Reads return the table's Version on every row, joined with the members'
-- Address, Port, Generation, SiloName, HostName, Status, ProxyPort, SuspectTimes, StartTime
-- and IAmAliveTime — at least one row, with a null StartTime when there are no members.
-- Inserts and updates bump the table version only if it still is @Version, and return one
-- boolean row saying whether they did: that is how two silos changing the table at once
-- are kept from overwriting each other.

CREATE TABLE IF NOT EXISTS membership_version
(
    deployment_id text        PRIMARY KEY,
    version       integer     NOT NULL DEFAULT 0,
    modified_at   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS membership
(
    deployment_id   text        NOT NULL REFERENCES membership_version ON DELETE CASCADE,
    address         text        NOT NULL,
    port            integer     NOT NULL,
    generation      integer     NOT NULL,
    silo_name       text,
    host_name       text,
    status          integer     NOT NULL,
    proxy_port      integer     NOT NULL,
    suspect_times   text,
    start_time      timestamptz NOT NULL,
    i_am_alive_time timestamptz NOT NULL,
    PRIMARY KEY (deployment_id, address, port, generation)
);

INSERT INTO orleansquery (querykey, querytext) VALUES
('InsertMembershipVersionKey', $q$
    WITH inserted AS (
        INSERT INTO membership_version (deployment_id) VALUES (@DeploymentId)
        ON CONFLICT DO NOTHING
        RETURNING 1
    )
    SELECT count(*) > 0 FROM inserted
$q$),
('MembershipReadAllKey', $q$
    SELECT v.version AS Version, m.address AS Address, m.port AS Port, m.generation AS Generation,
           m.silo_name AS SiloName, m.host_name AS HostName, m.status AS Status,
           m.proxy_port AS ProxyPort, m.suspect_times AS SuspectTimes,
           m.start_time AS StartTime, m.i_am_alive_time AS IAmAliveTime
    FROM membership_version v
    LEFT JOIN membership m ON m.deployment_id = v.deployment_id
    WHERE v.deployment_id = @DeploymentId
$q$),
('MembershipReadRowKey', $q$
    SELECT v.version AS Version, m.address AS Address, m.port AS Port, m.generation AS Generation,
           m.silo_name AS SiloName, m.host_name AS HostName, m.status AS Status,
           m.proxy_port AS ProxyPort, m.suspect_times AS SuspectTimes,
           m.start_time AS StartTime, m.i_am_alive_time AS IAmAliveTime
    FROM membership_version v
    LEFT JOIN membership m ON m.deployment_id = v.deployment_id
        AND m.address = @Address AND m.port = @Port AND m.generation = @Generation
    WHERE v.deployment_id = @DeploymentId
$q$),
-- Taking the version row's lock first serialises concurrent writers; the loser sees a newer
-- version and changes nothing.
('InsertMembershipKey', $q$
    WITH bumped AS (
        UPDATE membership_version SET version = version + 1, modified_at = now()
        WHERE deployment_id = @DeploymentId AND version = @Version
          AND NOT EXISTS (SELECT 1 FROM membership
                          WHERE deployment_id = @DeploymentId AND address = @Address
                            AND port = @Port AND generation = @Generation)
        RETURNING deployment_id
    ), inserted AS (
        INSERT INTO membership (deployment_id, address, port, generation, silo_name, host_name,
                                status, proxy_port, start_time, i_am_alive_time)
        SELECT deployment_id, @Address, @Port, @Generation, @SiloName, @HostName,
               @Status, @ProxyPort, @StartTime, @IAmAliveTime
        FROM bumped
        RETURNING 1
    )
    SELECT count(*) > 0 FROM inserted
$q$),
('UpdateMembershipKey', $q$
    WITH bumped AS (
        UPDATE membership_version SET version = version + 1, modified_at = now()
        WHERE deployment_id = @DeploymentId AND version = @Version
          AND EXISTS (SELECT 1 FROM membership
                      WHERE deployment_id = @DeploymentId AND address = @Address
                        AND port = @Port AND generation = @Generation)
        RETURNING deployment_id
    ), updated AS (
        UPDATE membership m
        SET status = @Status, suspect_times = @SuspectTimes, i_am_alive_time = @IAmAliveTime
        FROM bumped
        WHERE m.deployment_id = bumped.deployment_id AND m.address = @Address
          AND m.port = @Port AND m.generation = @Generation
        RETURNING 1
    )
    SELECT count(*) > 0 FROM updated
$q$),
-- Liveness heartbeats do not change the table version: nobody needs to re-read for them.
('UpdateIAmAlivetimeKey', $q$
    UPDATE membership SET i_am_alive_time = @IAmAliveTime
    WHERE deployment_id = @DeploymentId AND address = @Address
      AND port = @Port AND generation = @Generation
$q$),
('GatewaysQueryKey', $q$
    SELECT address AS Address, proxy_port AS ProxyPort, generation AS Generation
    FROM membership
    WHERE deployment_id = @DeploymentId AND status = @Status AND proxy_port > 0
$q$),
('DeleteMembershipTableEntriesKey', $q$
    DELETE FROM membership_version WHERE deployment_id = @DeploymentId
$q$),
-- Silos not Active (3) that have not been heard from since @IAmAliveTime.
('CleanupDefunctSiloEntriesKey', $q$
    DELETE FROM membership
    WHERE deployment_id = @DeploymentId AND i_am_alive_time < @IAmAliveTime AND status <> 3
$q$),
('CleanupDefunctSiloEntryKey', $q$
    DELETE FROM membership
    WHERE deployment_id = @DeploymentId AND address = @Address
      AND port = @Port AND generation = @Generation AND status <> 3
$q$)
ON CONFLICT (querykey) DO UPDATE SET querytext = excluded.querytext;
