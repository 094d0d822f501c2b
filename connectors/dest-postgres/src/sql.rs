//! The SQL the destination runs. Every identifier is quoted (`quote_ident`), every
//! literal quoted (`quote_literal`); types are catalog `format_type` texts or native types
//! that passed `native::is_safe_type_name`.

use crate::schema::{Domain, LoadPlan};
use rapidbyte_postgres::{qualified_name, quote_ident, quote_literal};

/// PostgreSQL's identifier limit (NAMEDATALEN - 1), in bytes.
pub const MAX_IDENT_BYTES: usize = 63;

/// The temporary staging table of a session (append with casts, upsert).
pub const STAGE: &str = "pg_temp.\"__rb_stage\"";

/// Suffix of replace's staging table.
const REPLACE_SUFFIX: &str = "__rb_replace";

/// The longest prefix of `name` of at most `max` bytes that ends on a character boundary
/// (PostgreSQL's `pg_mbcliplen`).
pub fn clip(name: &str, max: usize) -> &str {
    if name.len() <= max {
        return name;
    }
    let mut end = max;
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    &name[..end]
}

/// The name PostgreSQL gives the primary key of table `table` (`makeObjectName(table,
/// NULL, "pkey")`: the table name clipped so that `<name>_pkey` fits 63 bytes).
pub fn pkey_name(table: &str) -> String {
    format!("{}_pkey", clip(table, MAX_IDENT_BYTES - 5))
}

/// Replace's staging table for `table`: `<table>__rb_replace`, or for a long name a
/// clipped name with a hash of the full one, so it always fits and stays the same from
/// run to run (a leftover from a crashed run is found and dropped).
pub fn replace_stage_name(table: &str) -> String {
    if table.len() + REPLACE_SUFFIX.len() <= MAX_IDENT_BYTES {
        return format!("{}{}", table, REPLACE_SUFFIX);
    }
    // FNV-1a: stable across builds and platforms.
    let mut hash: u32 = 0x811c_9dc5;
    for byte in table.bytes() {
        hash ^= u32::from(byte);
        hash = hash.wrapping_mul(0x0100_0193);
    }
    let keep = MAX_IDENT_BYTES - REPLACE_SUFFIX.len() - 9;
    format!("{}_{:08x}{}", clip(table, keep), hash, REPLACE_SUFFIX)
}

fn column_list<S: AsRef<str>>(names: &[S]) -> String {
    names
        .iter()
        .map(|n| quote_ident(n.as_ref()))
        .collect::<Vec<_>>()
        .join(", ")
}

pub fn create_schema(schema: &str) -> String {
    format!("CREATE SCHEMA IF NOT EXISTS {}", quote_ident(schema))
}

pub fn create_enum(schema: &str, name: &str, labels: &[String]) -> String {
    let labels: Vec<String> = labels.iter().map(|l| quote_literal(l)).collect();
    format!(
        "CREATE TYPE {} AS ENUM ({})",
        qualified_name(schema, name),
        labels.join(", ")
    )
}

/// `CREATE TYPE ... AS (...)`: the attribute types must have passed
/// `native::is_safe_type_name`.
pub fn create_composite(schema: &str, name: &str, attributes: &[(String, String)]) -> String {
    let attributes: Vec<String> = attributes
        .iter()
        .map(|(attribute, ty)| format!("{} {}", quote_ident(attribute), ty))
        .collect();
    format!(
        "CREATE TYPE {} AS ({})",
        qualified_name(schema, name),
        attributes.join(", ")
    )
}

/// `CREATE TYPE ... AS RANGE`: the subtype must have passed `native::is_safe_type_name`.
pub fn create_range(schema: &str, name: &str, subtype: &str) -> String {
    format!(
        "CREATE TYPE {} AS RANGE (subtype = {})",
        qualified_name(schema, name),
        subtype
    )
}

/// `CREATE DOMAIN` over `base` (this database's name of the type the source's domain is
/// over), with the domain's collation, default, `NOT NULL` and valid checks; its `NOT VALID`
/// checks follow as [`add_domain_check`]s. `base` must have passed
/// `native::is_safe_type_name`; the collation, default and checks are the source's own SQL
/// text, so the statement must go alone through the extended protocol (which refuses a
/// second statement).
pub fn create_domain(schema: &str, name: &str, base: &str, domain: &Domain) -> String {
    let mut sql = format!("CREATE DOMAIN {} AS {}", qualified_name(schema, name), base);
    if let Some(collation) = &domain.collation {
        sql.push_str(" COLLATE ");
        sql.push_str(collation);
    }
    if let Some(default) = &domain.default {
        sql.push_str(" DEFAULT ");
        sql.push_str(default);
    }
    if domain.not_null {
        sql.push_str(" NOT NULL");
    }
    for (check, definition) in domain.valid_checks() {
        sql.push_str(&format!(" CONSTRAINT {} {}", quote_ident(check), definition));
    }
    sql
}

/// `ALTER DOMAIN ... ADD CONSTRAINT` for a check the source has `NOT VALID`.
pub fn add_domain_check(domain: &str, check: &str, definition: &str) -> String {
    format!(
        "ALTER DOMAIN {} ADD CONSTRAINT {} {}",
        domain,
        quote_ident(check),
        definition
    )
}

/// `CREATE TABLE IF NOT EXISTS`, with `PRIMARY KEY (...)` when `key` is not empty, named
/// `constraint` when given.
pub fn create_table(
    table: &str,
    columns: &[(String, String)],
    key: &[String],
    constraint: Option<&str>,
) -> String {
    let mut parts: Vec<String> = columns
        .iter()
        .map(|(name, ty)| format!("{} {}", quote_ident(name), ty))
        .collect();
    if !key.is_empty() {
        let named = match constraint {
            Some(name) => format!("CONSTRAINT {} ", quote_ident(name)),
            None => String::new(),
        };
        parts.push(format!("{}PRIMARY KEY ({})", named, column_list(key)));
    }
    format!(
        "CREATE TABLE IF NOT EXISTS {} ({})",
        table,
        parts.join(", ")
    )
}

pub fn add_columns(table: &str, columns: &[(String, String)]) -> String {
    let adds: Vec<String> = columns
        .iter()
        .map(|(name, ty)| format!("ADD COLUMN IF NOT EXISTS {} {}", quote_ident(name), ty))
        .collect();
    format!("ALTER TABLE {} {}", table, adds.join(", "))
}

pub fn drop_table(table: &str) -> String {
    format!("DROP TABLE IF EXISTS {}", table)
}

pub fn copy_in<S: AsRef<str>>(table: &str, columns: &[S]) -> String {
    format!(
        "COPY {} ({}) FROM STDIN (FORMAT binary)",
        table,
        column_list(columns)
    )
}

/// The session's staging table: the plan's columns (`text` where cast), plus an
/// arrival-order column `seq` for upsert. Its rows go away at every commit.
pub fn create_stage(plan: &LoadPlan, seq: Option<&str>) -> String {
    let mut parts: Vec<String> = plan
        .stage_columns()
        .iter()
        .map(|(name, ty)| format!("{} {}", quote_ident(name), ty))
        .collect();
    if let Some(seq) = seq {
        parts.push(format!("{} bigserial", quote_ident(seq)));
    }
    format!(
        "DROP TABLE IF EXISTS {stage}; CREATE TEMP TABLE {stage} ({}) ON COMMIT DELETE ROWS",
        parts.join(", "),
        stage = STAGE
    )
}

/// A name for the arrival-order column that no stream column has.
pub fn seq_column(plan: &LoadPlan) -> String {
    let mut name = "__rb_seq".to_string();
    while plan.columns.iter().any(|c| c.name == name) {
        name.push('_');
    }
    name
}

/// The stage column as the target column wants it: itself, or cast from its text.
fn stage_expression(column: &crate::schema::ColumnLoad) -> String {
    if column.cast {
        format!("{}::{}", quote_ident(&column.name), column.target_type)
    } else {
        quote_ident(&column.name)
    }
}

/// Moves the staged rows into `table` (append and replace with cast columns).
pub fn insert_from_stage(table: &str, plan: &LoadPlan) -> String {
    let expressions: Vec<String> = plan.columns.iter().map(stage_expression).collect();
    format!(
        "INSERT INTO {} ({}) SELECT {} FROM {}",
        table,
        column_list(&plan.names()),
        expressions.join(", "),
        STAGE
    )
}

/// Merges the staged rows into `table` on `key`: per key the last row to arrive wins
/// (`DISTINCT ON (key) ... ORDER BY key, seq DESC`), so a batch holding a key twice and a
/// replayed batch both end in the same state.
pub fn upsert_from_stage(table: &str, plan: &LoadPlan, key: &[String], seq: &str) -> String {
    let expressions: Vec<String> = plan.columns.iter().map(stage_expression).collect();
    let key_expressions: Vec<String> = key
        .iter()
        .map(|k| {
            let column = plan
                .columns
                .iter()
                .find(|c| &c.name == k)
                .expect("the key was checked against the stream's columns");
            stage_expression(column)
        })
        .collect();
    let updates: Vec<String> = plan
        .columns
        .iter()
        .filter(|c| !key.contains(&c.name))
        .map(|c| format!("{name} = EXCLUDED.{name}", name = quote_ident(&c.name)))
        .collect();
    let action = if updates.is_empty() {
        "DO NOTHING".to_string()
    } else {
        format!("DO UPDATE SET {}", updates.join(", "))
    };
    format!(
        "INSERT INTO {table} ({columns}) SELECT DISTINCT ON ({keys}) {expressions} FROM {stage} \
         ORDER BY {keys}, {seq} DESC ON CONFLICT ({key_columns}) {action}",
        table = table,
        columns = column_list(&plan.names()),
        keys = key_expressions.join(", "),
        expressions = expressions.join(", "),
        stage = STAGE,
        seq = quote_ident(seq),
        key_columns = column_list(key),
        action = action
    )
}

/// The table of commit markers, one row per stream, in the destination's schema.
pub const MARKERS: &str = "rapidbyte_commit_markers";

/// Creates the markers table when missing. Under a lock: the streams of a run start at once,
/// and two concurrent `CREATE TABLE IF NOT EXISTS` of one name can fail on the catalog.
pub fn create_markers(schema: &str) -> String {
    format!(
        "BEGIN; SELECT pg_advisory_xact_lock(hashtext({lock})); \
         CREATE TABLE IF NOT EXISTS {table} (stream text PRIMARY KEY, run text NOT NULL, \
         checkpoint text, complete boolean NOT NULL, committed_at timestamptz NOT NULL); COMMIT",
        lock = quote_literal(&format!("rapidbyte:{}", qualified_name(schema, MARKERS))),
        table = qualified_name(schema, MARKERS)
    )
}

/// Sets a stream's marker (`$1` stream, `$2` run, `$3` checkpoint, `$4` complete), inside
/// the transaction that commits the rows it speaks for.
pub fn put_marker(schema: &str) -> String {
    format!(
        "INSERT INTO {} AS m (stream, run, checkpoint, complete, committed_at) \
         VALUES ($1, $2, $3, $4, clock_timestamp()) ON CONFLICT (stream) DO UPDATE \
         SET run = excluded.run, checkpoint = excluded.checkpoint, \
         complete = excluded.complete, committed_at = excluded.committed_at",
        qualified_name(schema, MARKERS)
    )
}

/// A stream's marker (`$1` stream): run, checkpoint, complete.
pub fn get_marker(schema: &str) -> String {
    format!(
        "SELECT run, checkpoint, complete FROM {} WHERE stream = $1",
        qualified_name(schema, MARKERS)
    )
}

/// The swap that ends a replace, as one transaction: the old table goes, the staging
/// table takes its name, and its primary key the name PostgreSQL would have given it.
pub fn swap(schema: &str, table: &str, stage: &str, has_key: bool) -> String {
    let mut sql = format!(
        "BEGIN; DROP TABLE IF EXISTS {target}; ALTER TABLE {stage} RENAME TO {name}; ",
        target = qualified_name(schema, table),
        stage = qualified_name(schema, stage),
        name = quote_ident(table)
    );
    if has_key {
        sql.push_str(&format!(
            "ALTER TABLE {target} RENAME CONSTRAINT {from} TO {to}; ",
            target = qualified_name(schema, table),
            from = quote_ident(&pkey_name(stage)),
            to = quote_ident(&pkey_name(table))
        ));
    }
    sql.push_str("COMMIT");
    sql
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encode::Encoding;
    use crate::schema::ColumnLoad;

    fn plan() -> LoadPlan {
        let column = |name: &str, ty: &str, cast: bool| ColumnLoad {
            name: name.into(),
            encoding: if cast {
                Encoding::Text
            } else {
                Encoding::Int32
            },
            target_type: ty.into(),
            cast,
            stage_type: None,
        };
        LoadPlan {
            columns: vec![
                column("Order", "integer", false),
                column("select", "integer[]", true),
                column("with space", "text", false),
                column("ünï\"cöde", "inet", true),
            ],
        }
    }

    #[test]
    fn every_identifier_is_quoted() {
        let table = qualified_name("My Schema", "Mixed Case Tablé");
        assert_eq!(table, "\"My Schema\".\"Mixed Case Tablé\"");
        assert_eq!(
            create_table(
                &table,
                &[("Order".into(), "integer".into()), ("select".into(), "text".into())],
                &["Order".into()],
                None
            ),
            "CREATE TABLE IF NOT EXISTS \"My Schema\".\"Mixed Case Tablé\" (\"Order\" integer, \"select\" text, PRIMARY KEY (\"Order\"))"
        );
        assert_eq!(
            copy_in(&table, &plan().names()),
            "COPY \"My Schema\".\"Mixed Case Tablé\" (\"Order\", \"select\", \"with space\", \"ünï\"\"cöde\") FROM STDIN (FORMAT binary)"
        );
        assert_eq!(
            add_columns(&table, &[("new col".into(), "numeric(8,3)".into())]),
            "ALTER TABLE \"My Schema\".\"Mixed Case Tablé\" ADD COLUMN IF NOT EXISTS \"new col\" numeric(8,3)"
        );
        assert_eq!(
            create_schema("Sales \"EU\""),
            "CREATE SCHEMA IF NOT EXISTS \"Sales \"\"EU\"\"\""
        );
        assert_eq!(
            create_enum(
                "dst",
                "Mood",
                &["sad".into(), "it's ok".into(), "a\\b".into()]
            ),
            "CREATE TYPE \"dst\".\"Mood\" AS ENUM ('sad', 'it''s ok', E'a\\\\b')"
        );
    }

    #[test]
    fn staging_casts_only_the_text_carried_columns() {
        assert_eq!(
            create_stage(&plan(), None),
            "DROP TABLE IF EXISTS pg_temp.\"__rb_stage\"; CREATE TEMP TABLE pg_temp.\"__rb_stage\" (\"Order\" integer, \"select\" text, \"with space\" text, \"ünï\"\"cöde\" text) ON COMMIT DELETE ROWS"
        );
        assert_eq!(
            insert_from_stage("\"dst\".\"t\"", &plan()),
            "INSERT INTO \"dst\".\"t\" (\"Order\", \"select\", \"with space\", \"ünï\"\"cöde\") SELECT \"Order\", \"select\"::integer[], \"with space\", \"ünï\"\"cöde\"::inet FROM pg_temp.\"__rb_stage\""
        );
    }

    #[test]
    fn composites_and_ranges_are_created_with_quoted_names() {
        assert_eq!(
            create_composite(
                "dst",
                "Address",
                &[("street".into(), "text".into()), ("\"at\"".into(), "point".into())]
            ),
            "CREATE TYPE \"dst\".\"Address\" AS (\"street\" text, \"\"\"at\"\"\" point)"
        );
        assert_eq!(
            create_range("dst", "floatrange", "double precision"),
            "CREATE TYPE \"dst\".\"floatrange\" AS RANGE (subtype = double precision)"
        );
    }

    #[test]
    fn domains_are_created_with_their_collation_default_not_null_and_checks() {
        let domain = Domain {
            name: "src.Label".into(),
            base: "text".into(),
            not_null: true,
            default: Some("'x'::text".into()),
            collation: Some("\"pg_catalog\".\"C\"".into()),
            checks: vec![
                ("not empty".into(), "CHECK ((VALUE <> ''::text))".into()),
                ("short".into(), "CHECK ((length(VALUE) < 10)) NOT VALID".into()),
            ],
        };
        assert_eq!(
            create_domain("dst", "Label", "text", &domain),
            "CREATE DOMAIN \"dst\".\"Label\" AS text COLLATE \"pg_catalog\".\"C\" DEFAULT 'x'::text NOT NULL CONSTRAINT \"not empty\" CHECK ((VALUE <> ''::text))"
        );
        assert_eq!(
            add_domain_check("\"dst\".\"Label\"", "short", "CHECK ((length(VALUE) < 10)) NOT VALID"),
            "ALTER DOMAIN \"dst\".\"Label\" ADD CONSTRAINT \"short\" CHECK ((length(VALUE) < 10)) NOT VALID"
        );
        let bare = Domain {
            not_null: false,
            default: None,
            collation: None,
            checks: Vec::new(),
            ..domain
        };
        assert_eq!(create_domain("dst", "n", "numeric(12,2)", &bare), "CREATE DOMAIN \"dst\".\"n\" AS numeric(12,2)");
    }

    #[test]
    fn upsert_keeps_the_last_arrival_per_key() {
        let sql = upsert_from_stage(
            "\"dst\".\"t\"",
            &plan(),
            &["Order".into(), "ünï\"cöde".into()],
            "__rb_seq",
        );
        assert_eq!(
            sql,
            "INSERT INTO \"dst\".\"t\" (\"Order\", \"select\", \"with space\", \"ünï\"\"cöde\") \
             SELECT DISTINCT ON (\"Order\", \"ünï\"\"cöde\"::inet) \"Order\", \"select\"::integer[], \"with space\", \"ünï\"\"cöde\"::inet \
             FROM pg_temp.\"__rb_stage\" ORDER BY \"Order\", \"ünï\"\"cöde\"::inet, \"__rb_seq\" DESC \
             ON CONFLICT (\"Order\", \"ünï\"\"cöde\") DO UPDATE SET \"select\" = EXCLUDED.\"select\", \"with space\" = EXCLUDED.\"with space\""
        );
        let all_key = upsert_from_stage(
            "t",
            &plan(),
            &plan()
                .names()
                .iter()
                .map(|n| n.to_string())
                .collect::<Vec<_>>(),
            "s",
        );
        assert!(all_key.ends_with("DO NOTHING"), "{}", all_key);
        let mut with_seq_name = plan();
        with_seq_name.columns[0].name = "__rb_seq".into();
        assert_eq!(seq_column(&with_seq_name), "__rb_seq_");
        assert!(create_stage(&plan(), Some("__rb_seq")).contains(", \"__rb_seq\" bigserial)"));
    }

    #[test]
    fn the_swap_drops_renames_and_renames_the_key_in_one_transaction() {
        assert_eq!(
            swap("dst", "Items", "Items__rb_replace", true),
            "BEGIN; DROP TABLE IF EXISTS \"dst\".\"Items\"; ALTER TABLE \"dst\".\"Items__rb_replace\" RENAME TO \"Items\"; \
             ALTER TABLE \"dst\".\"Items\" RENAME CONSTRAINT \"Items__rb_replace_pkey\" TO \"Items_pkey\"; COMMIT"
        );
        assert!(!swap("dst", "t", "t__rb_replace", false).contains("CONSTRAINT"));
    }

    #[test]
    fn generated_names_fit_postgresql_identifiers() {
        assert_eq!(replace_stage_name("items"), "items__rb_replace");
        assert_eq!(pkey_name("items"), "items_pkey");
        let long = "ü".repeat(40); // 80 bytes
        let stage = replace_stage_name(&long);
        assert!(stage.len() <= 63, "{} bytes", stage.len());
        assert!(stage.ends_with("__rb_replace"));
        assert_eq!(stage, replace_stage_name(&long), "stable");
        assert_ne!(
            stage,
            replace_stage_name(&"ü".repeat(41)),
            "distinct for distinct names"
        );
        let key = pkey_name(&long);
        assert!(key.len() <= 63 && key.ends_with("_pkey"));
        assert_eq!(clip("aü", 2), "a");
        assert_eq!(
            pkey_name(&"x".repeat(63)),
            format!("{}_pkey", "x".repeat(58))
        );
    }

    #[test]
    fn the_markers_table_is_created_under_a_lock_and_set_in_place() {
        let create = create_markers("Sales");
        assert!(
            create.starts_with(
                "BEGIN; SELECT pg_advisory_xact_lock(hashtext('rapidbyte:\"Sales\".\"rapidbyte_commit_markers\"')); \
                 CREATE TABLE IF NOT EXISTS \"Sales\".\"rapidbyte_commit_markers\" (stream text PRIMARY KEY"
            ),
            "{}",
            create
        );
        assert!(create.ends_with("; COMMIT"), "{}", create);
        assert!(put_marker("Sales").contains("ON CONFLICT (stream) DO UPDATE"));
        assert_eq!(
            get_marker("Sales"),
            "SELECT run, checkpoint, complete FROM \"Sales\".\"rapidbyte_commit_markers\" WHERE stream = $1"
        );
    }
}
