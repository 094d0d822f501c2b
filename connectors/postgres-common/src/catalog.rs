//! Tables, views and their columns, from `pg_catalog`, with what the type mapping needs.
//! One query per call, whatever the number of tables.

use crate::error::classify;
use crate::types::{PgElement, PgType};
use rapidbyte_sdk::ConnectorError;
use tokio_postgres::{Client, Row};

/// A table (`r`), partitioned table (`p`), view (`v`) or materialized view (`m`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PgRelation {
    pub schema: String,
    pub name: String,
    /// `pg_class.relkind`.
    pub kind: char,
    /// In `attnum` order, without dropped and system columns.
    pub columns: Vec<PgColumn>,
    /// Primary key columns in key order; empty when there is none (always for views).
    pub primary_key: Vec<String>,
    /// `pg_class.relhassubclass`: whether it has (or once had) inheritance children or
    /// partitions.
    pub has_children: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PgColumn {
    pub name: String,
    /// `attnotnull`: false for every view column.
    pub not_null: bool,
    /// A generated column (`attgenerated`): COPY cannot name it before PostgreSQL 18.
    pub generated: bool,
    pub pg_type: PgType,
}

impl PgRelation {
    pub fn column(&self, name: &str) -> Option<&PgColumn> {
        self.columns.iter().find(|c| c.name == name)
    }
}

/// Columns of the relations of schema `$1` (all, or only `$2` when it is not null).
/// Domains are resolved to their base type (and the domain's typmod) by the recursive
/// lateral query; arrays name their element type; enums (and arrays of enums) their labels;
/// user-defined composites and ranges (and arrays of them) their definition: attribute
/// names and types in order, or the subtype (none for a range with a canonical function,
/// which only C code can provide); a column of a domain (or of an array of one) the
/// domain's OID, whose definition [`DOMAINS_SQL`] gives.
const COLUMNS_SQL: &str = "\
SELECT c.relname::text, c.relkind::text, a.attname::text, a.attnotnull,
       bt.oid::int8, b.typmod, bt.typtype::text,
       pg_catalog.format_type(bt.oid, b.typmod),
       et.oid::int8, et.typtype::text,
       (SELECT pg_catalog.json_agg(e.enumlabel::text ORDER BY e.enumsortorder)::text
          FROM pg_catalog.pg_enum e
         WHERE e.enumtypid = CASE WHEN bt.typtype = 'e' THEN bt.oid ELSE et.oid END),
       pg_catalog.array_position(pk.indkey::int2[], a.attnum),
       bt.typsend::oid <> 0 AND bt.typreceive::oid <> 0
         AND (et.oid IS NULL OR (et.typsend::oid <> 0 AND et.typreceive::oid <> 0)),
       (SELECT CASE ut.typtype
                 WHEN 'c' THEN pg_catalog.json_build_object('composite',
                      (SELECT pg_catalog.json_agg(pg_catalog.json_build_array(ua.attname::text,
                                 pg_catalog.format_type(ua.atttypid, ua.atttypmod)) ORDER BY ua.attnum)
                         FROM pg_catalog.pg_attribute ua
                        WHERE ua.attrelid = ut.typrelid AND ua.attnum > 0 AND NOT ua.attisdropped))::text
                 ELSE (SELECT pg_catalog.json_build_object('range', pg_catalog.format_type(r.rngsubtype, NULL))::text
                         FROM pg_catalog.pg_range r
                        WHERE r.rngtypid = ut.oid AND r.rngcanonical::oid = 0)
               END
          FROM pg_catalog.pg_type ut
         WHERE ut.oid = CASE WHEN bt.typtype IN ('c', 'r') THEN bt.oid ELSE et.oid END
           AND ut.typtype IN ('c', 'r') AND ut.typnamespace <> 'pg_catalog'::regnamespace),
       c.relhassubclass, a.attgenerated <> '',
       CASE WHEN b.depth > 0 THEN a.atttypid::int8 WHEN et.typtype = 'd' THEN et.oid::int8 END
  FROM pg_catalog.pg_class c
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
  CROSS JOIN LATERAL (
       WITH RECURSIVE d(oid, typmod, depth) AS (
            SELECT a.atttypid, a.atttypmod, 0
            UNION ALL
            SELECT t.typbasetype, t.typtypmod, d.depth + 1
              FROM d JOIN pg_catalog.pg_type t ON t.oid = d.oid
             WHERE t.typtype = 'd')
       SELECT d.oid, d.typmod, d.depth FROM d ORDER BY d.depth DESC LIMIT 1) b
  JOIN pg_catalog.pg_type bt ON bt.oid = b.oid
  LEFT JOIN pg_catalog.pg_type et ON bt.typcategory = 'A' AND bt.typelem <> 0 AND et.oid = bt.typelem
  LEFT JOIN pg_catalog.pg_index pk ON pk.indrelid = c.oid AND pk.indisprimary
 WHERE n.nspname = $1
   AND c.relkind IN ('r', 'p', 'v', 'm')
   AND ($2::text IS NULL OR c.relname = $2::text)
 ORDER BY c.relname, a.attnum";

/// The definitions of the domains `$1` (type OIDs), each with those under it, innermost
/// first (see [`crate::types::DOMAINS_KEY`]): a second query, only for relations that have
/// columns of domains, so the usual one stays cheap to plan.
const DOMAINS_SQL: &str = "\
SELECT r.oid::int8,
       (WITH RECURSIVE dc(oid, depth) AS (
             SELECT r.oid, 0
             UNION ALL
             SELECT t.typbasetype, dc.depth + 1
               FROM dc JOIN pg_catalog.pg_type t ON t.oid = dc.oid
              WHERE t.typtype = 'd')
        SELECT pg_catalog.json_agg(pg_catalog.json_build_object(
                   'name', pg_catalog.format_type(dt.oid, NULL),
                   'base', pg_catalog.format_type(dt.typbasetype, dt.typtypmod),
                   'not_null', dt.typnotnull,
                   'default', dt.typdefault,
                   'collation', (SELECT pg_catalog.quote_ident(cn.nspname) || '.' || pg_catalog.quote_ident(co.collname)
                                   FROM pg_catalog.pg_collation co
                                   JOIN pg_catalog.pg_namespace cn ON cn.oid = co.collnamespace
                                   JOIN pg_catalog.pg_type ot ON ot.oid = dt.typbasetype
                                  WHERE co.oid = dt.typcollation AND dt.typcollation <> ot.typcollation),
                   'checks', (SELECT pg_catalog.json_agg(pg_catalog.json_build_array(k.conname::text,
                                         pg_catalog.pg_get_constraintdef(k.oid)) ORDER BY k.conname)
                                FROM pg_catalog.pg_constraint k
                               WHERE k.contypid = dt.oid AND k.contype = 'c'))
                 ORDER BY dc.depth DESC)::text
          FROM dc JOIN pg_catalog.pg_type dt ON dt.oid = dc.oid AND dt.typtype = 'd')
  FROM pg_catalog.unnest($1::oid[]) r(oid)";

/// Every table and view of `schema`, by name.
pub async fn relations(client: &Client, schema: &str) -> Result<Vec<PgRelation>, ConnectorError> {
    let rows = client
        .query(COLUMNS_SQL, &[&schema, &None::<&str>])
        .await
        .map_err(|e| classify(&e))?;
    collect(client, schema, &rows).await
}

/// The table or view `schema.name`, or `None` when there is none.
pub async fn relation(
    client: &Client,
    schema: &str,
    name: &str,
) -> Result<Option<PgRelation>, ConnectorError> {
    let rows = client
        .query(COLUMNS_SQL, &[&schema, &Some(name)])
        .await
        .map_err(|e| classify(&e))?;
    Ok(collect(client, schema, &rows).await?.into_iter().next())
}

/// Whether schema `name` exists.
pub async fn schema_exists(client: &Client, name: &str) -> Result<bool, ConnectorError> {
    let row = client
        .query_one(
            "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = $1)",
            &[&name],
        )
        .await
        .map_err(|e| classify(&e))?;
    Ok(row.get(0))
}

async fn collect(
    client: &Client,
    schema: &str,
    rows: &[Row],
) -> Result<Vec<PgRelation>, ConnectorError> {
    let mut relations: Vec<PgRelation> = Vec::new();
    let mut keys: Vec<Vec<(i32, String)>> = Vec::new();
    // (relation, column, domain OID) of each column of a domain.
    let mut of_domains: Vec<(usize, usize, u32)> = Vec::new();
    for row in rows {
        let bad = |e: tokio_postgres::Error| {
            ConnectorError::internal(format!("unexpected catalog row: {}", e))
        };
        let relname: String = row.try_get(0).map_err(bad)?;
        let relkind: String = row.try_get(1).map_err(bad)?;
        let column = PgColumn {
            name: row.try_get(2).map_err(bad)?,
            not_null: row.try_get(3).map_err(bad)?,
            generated: row.try_get(15).map_err(bad)?,
            pg_type: PgType {
                oid: row.try_get::<_, i64>(4).map_err(bad)? as u32,
                typmod: row.try_get(5).map_err(bad)?,
                typtype: first_char(&row.try_get::<_, String>(6).map_err(bad)?),
                format_type: row.try_get(7).map_err(bad)?,
                element: match row.try_get::<_, Option<i64>>(8).map_err(bad)? {
                    Some(oid) => Some(PgElement {
                        oid: oid as u32,
                        typtype: first_char(
                            &row.try_get::<_, Option<String>>(9)
                                .map_err(bad)?
                                .unwrap_or_default(),
                        ),
                    }),
                    None => None,
                },
                enum_labels: match row.try_get::<_, Option<String>>(10).map_err(bad)? {
                    Some(json) => Some(serde_json::from_str(&json).map_err(|e| {
                        ConnectorError::internal(format!("unexpected enum labels: {}", e))
                    })?),
                    None => None,
                },
                binary_io: row.try_get(12).map_err(bad)?,
                definition: row.try_get(13).map_err(bad)?,
                domains: None,
            },
        };
        let key_position: Option<i32> = row.try_get(11).map_err(bad)?;
        if relations.last().map_or(true, |r| r.name != relname) {
            relations.push(PgRelation {
                schema: schema.to_string(),
                name: relname,
                kind: first_char(&relkind),
                columns: Vec::new(),
                primary_key: Vec::new(),
                has_children: row.try_get(14).map_err(bad)?,
            });
            keys.push(Vec::new());
        }
        if let Some(position) = key_position {
            keys.last_mut()
                .expect("pushed above")
                .push((position, column.name.clone()));
        }
        let at = relations.len() - 1;
        let relation = &mut relations[at];
        if let Some(domain) = row.try_get::<_, Option<i64>>(16).map_err(bad)? {
            of_domains.push((at, relation.columns.len(), domain as u32));
        }
        relation.columns.push(column);
    }
    if !of_domains.is_empty() {
        let oids: Vec<u32> = of_domains.iter().map(|&(_, _, oid)| oid).collect();
        let definitions: std::collections::HashMap<u32, Option<String>> = client
            .query(DOMAINS_SQL, &[&oids])
            .await
            .map_err(|e| classify(&e))?
            .iter()
            .map(|row| {
                let oid: i64 = row.get(0);
                (oid as u32, row.get(1))
            })
            .collect();
        for (relation, column, oid) in of_domains {
            relations[relation].columns[column].pg_type.domains =
                definitions.get(&oid).cloned().flatten();
        }
    }
    for (relation, mut key) in relations.iter_mut().zip(keys) {
        key.sort();
        relation.primary_key = key.into_iter().map(|(_, name)| name).collect();
    }
    Ok(relations)
}

fn first_char(s: &str) -> char {
    s.chars().next().unwrap_or(' ')
}
