//! Which stream columns fit which table columns, and how they are loaded.

use crate::encode::Encoding;
use crate::schema::*;
use rapidbyte_postgres::types::{
    oid, PgElement, PgType, DOMAINS_KEY, ENUM_LABELS_KEY, NATIVE_ENCODING_KEY, NATIVE_TYPE_KEY,
    TYPE_DEFINITION_KEY,
};
use rapidbyte_postgres::{ErrorCategory, PgColumn, PgRelation};
use rapidbyte_sdk::arrow::{DataType, Field, Schema};

fn field(data_type: DataType) -> Field {
    Field::new("c", data_type, true)
}

fn native(data_type: DataType, native: &str) -> Field {
    field(data_type).with_metadata(NATIVE_TYPE_KEY, native)
}

fn numeric(p: i32, s: i32) -> PgType {
    PgType {
        typmod: ((p << 16) | (s & 0x7ff)) + 4,
        ..PgType::builtin(oid::NUMERIC, &format!("numeric({},{})", p, s))
    }
}

fn enum_type(name: &str, labels: &[&str]) -> PgType {
    PgType {
        oid: 99_999,
        typmod: -1,
        typtype: 'e',
        format_type: name.into(),
        element: None,
        enum_labels: Some(labels.iter().map(|l| l.to_string()).collect()),
        definition: None,
        domains: None,
        binary_io: true,
    }
}

fn array_type(format_type: &str, element_oid: u32, typtype: char) -> PgType {
    PgType {
        oid: 88_888,
        typmod: -1,
        typtype: 'b',
        format_type: format_type.into(),
        element: Some(PgElement {
            oid: element_oid,
            typtype,
        }),
        enum_labels: None,
        definition: None,
        domains: None,
        binary_io: true,
    }
}

fn direct(encoding: Encoding) -> Result<Choice, String> {
    Ok(Choice {
        encoding,
        cast: false,
        stage_type: None,
    })
}

fn cast() -> Result<Choice, String> {
    Ok(Choice {
        encoding: Encoding::Text,
        cast: true,
        stage_type: None,
    })
}

#[test]
fn every_source_type_goes_straight_into_its_own_column_type() {
    let b = PgType::builtin;
    let uuid = field(DataType::FixedSizeBinary(16));
    let cases: Vec<(Field, PgType, Encoding)> = vec![
        (
            field(DataType::Boolean),
            b(oid::BOOL, "boolean"),
            Encoding::Bool,
        ),
        (
            field(DataType::Int16),
            b(oid::INT2, "smallint"),
            Encoding::Int16,
        ),
        (
            field(DataType::Int32),
            b(oid::INT4, "integer"),
            Encoding::Int32,
        ),
        (
            field(DataType::Int64),
            b(oid::INT8, "bigint"),
            Encoding::Int64,
        ),
        (
            field(DataType::Float32),
            b(oid::FLOAT4, "real"),
            Encoding::Float32,
        ),
        (
            field(DataType::Float64),
            b(oid::FLOAT8, "double precision"),
            Encoding::Float64,
        ),
        (
            field(DataType::Decimal128 {
                precision: 12,
                scale: 2,
            }),
            numeric(12, 2),
            Encoding::Decimal { scale: 2 },
        ),
        (field(DataType::Utf8), b(oid::TEXT, "text"), Encoding::Text),
        (
            native(DataType::Utf8, "character varying(32)"),
            b(oid::VARCHAR, "character varying(32)"),
            Encoding::Text,
        ),
        (
            native(DataType::Utf8, "character(8)"),
            b(oid::BPCHAR, "character(8)"),
            Encoding::Text,
        ),
        (
            native(DataType::Utf8, "name"),
            b(oid::NAME, "name"),
            Encoding::Text,
        ),
        (
            native(DataType::Utf8, "json"),
            b(oid::JSON, "json"),
            Encoding::Text,
        ),
        (
            native(DataType::Utf8, "jsonb"),
            b(oid::JSONB, "jsonb"),
            Encoding::Jsonb,
        ),
        (
            native(DataType::Utf8, "numeric"),
            b(oid::NUMERIC, "numeric"),
            Encoding::NumericText,
        ),
        (
            native(DataType::Utf8, "numeric(60,20)"),
            numeric(60, 20),
            Encoding::NumericText,
        ),
        (
            field(DataType::Binary),
            b(oid::BYTEA, "bytea"),
            Encoding::Bytes,
        ),
        (uuid, b(oid::UUID, "uuid"), Encoding::FixedBytes),
        (
            field(DataType::Date32),
            b(oid::DATE, "date"),
            Encoding::Date,
        ),
        (
            field(DataType::Time64Microsecond),
            b(oid::TIME, "time without time zone"),
            Encoding::Time,
        ),
        (
            field(DataType::Timestamp { timezone: None }),
            b(oid::TIMESTAMP, "timestamp without time zone"),
            Encoding::Timestamp,
        ),
        (
            field(DataType::Timestamp {
                timezone: Some("UTC".into()),
            }),
            b(oid::TIMESTAMPTZ, "timestamp with time zone"),
            Encoding::Timestamp,
        ),
        (
            field(DataType::IntervalMonthDayNano),
            b(oid::INTERVAL, "interval"),
            Encoding::Interval,
        ),
        (
            native(DataType::Utf8, "src.mood").with_metadata(ENUM_LABELS_KEY, "[\"sad\",\"ok\"]"),
            enum_type("dst.mood", &["sad", "ok", "happy"]),
            Encoding::Text,
        ),
    ];
    for (f, t, encoding) in cases {
        assert_eq!(
            choose(&f, &t),
            direct(encoding),
            "{:?} into {}",
            f.data_type,
            t.format_type
        );
    }
}

#[test]
fn text_standing_for_another_type_is_cast_in_a_staging_table() {
    let b = PgType::builtin;
    for (native_type, target) in [
        ("inet", b(oid::INET, "inet")),
        ("cidr", b(oid::CIDR, "cidr")),
        ("time with time zone", b(1266, "time with time zone")),
        ("\"char\"", b(oid::CHAR, "\"char\"")),
        ("integer[]", array_type("integer[]", oid::INT4, 'b')),
        ("point", b(600, "point")),
    ] {
        assert_eq!(
            choose(&native(DataType::Utf8, native_type), &target),
            cast(),
            "{}",
            native_type
        );
    }
    // An array of an enum that lives in another schema here.
    let moods = native(DataType::Utf8, "src.mood[]").with_metadata(ENUM_LABELS_KEY, "[\"ok\"]");
    let mut target = array_type("dst.mood[]", 99_999, 'e');
    target.enum_labels = Some(vec!["ok".into()]);
    assert_eq!(choose(&moods, &target), cast());
    // Text that does not say what it is may be cast into anything.
    assert_eq!(
        choose(&field(DataType::Utf8), &b(oid::INET, "inet")),
        cast()
    );
    assert_eq!(
        choose(&field(DataType::Utf8), &b(oid::NUMERIC, "numeric")),
        direct(Encoding::NumericText)
    );
}

#[test]
fn wider_columns_take_narrower_values() {
    let b = PgType::builtin;
    let cases = [
        (
            DataType::Int16,
            b(oid::INT4, "integer"),
            Encoding::Int16AsInt32,
        ),
        (
            DataType::Int16,
            b(oid::INT8, "bigint"),
            Encoding::Int16AsInt64,
        ),
        (
            DataType::Int32,
            b(oid::INT8, "bigint"),
            Encoding::Int32AsInt64,
        ),
        (
            DataType::Int16,
            b(oid::NUMERIC, "numeric"),
            Encoding::Int16AsNumeric,
        ),
        (DataType::Int32, numeric(12, 2), Encoding::Int32AsNumeric),
        (
            DataType::Int64,
            b(oid::NUMERIC, "numeric"),
            Encoding::Int64AsNumeric,
        ),
        (
            DataType::Float32,
            b(oid::FLOAT8, "double precision"),
            Encoding::Float32AsFloat64,
        ),
        (
            DataType::Decimal128 {
                precision: 10,
                scale: 2,
            },
            numeric(20, 4),
            Encoding::Decimal { scale: 2 },
        ),
        (
            DataType::Decimal128 {
                precision: 10,
                scale: 2,
            },
            b(oid::NUMERIC, "numeric"),
            Encoding::Decimal { scale: 2 },
        ),
    ];
    for (data_type, target, encoding) in cases {
        assert_eq!(
            choose(&field(data_type.clone()), &target),
            direct(encoding),
            "{:?} into {}",
            data_type,
            target.format_type
        );
    }
    // Any text into text-like columns, whatever it stood for.
    assert_eq!(
        choose(&native(DataType::Utf8, "inet"), &b(oid::TEXT, "text")),
        direct(Encoding::Text)
    );
    assert_eq!(
        choose(&native(DataType::Utf8, "text"), &b(oid::JSONB, "jsonb")),
        direct(Encoding::Jsonb)
    );
}

#[test]
fn incompatible_types_are_refused_with_both_types_named() {
    let b = PgType::builtin;
    let cases = [
        (native(DataType::Utf8, "text"), b(oid::INT4, "integer")),
        (native(DataType::Utf8, "inet"), b(oid::CIDR, "cidr")),
        (
            native(DataType::Utf8, "integer[]"),
            array_type("bigint[]", oid::INT8, 'b'),
        ),
        (native(DataType::Utf8, "numeric"), numeric(10, 2)),
        (field(DataType::Int64), b(oid::INT4, "integer")),
        (field(DataType::Float64), b(oid::FLOAT4, "real")),
        (field(DataType::Int32), b(oid::TEXT, "text")),
        (field(DataType::Int32), numeric(5, -2)),
        (
            field(DataType::Timestamp { timezone: None }),
            b(oid::TIMESTAMPTZ, "timestamp with time zone"),
        ),
        (
            field(DataType::Timestamp {
                timezone: Some("UTC".into()),
            }),
            b(oid::DATE, "date"),
        ),
        (field(DataType::Binary), b(oid::UUID, "uuid")),
        (field(DataType::Boolean), b(oid::INT2, "smallint")),
    ];
    for (f, target) in cases {
        let why = choose(&f, &target).unwrap_err();
        assert!(why.contains(&target.format_type), "{}", why);
        assert!(why.contains(&describe_incoming(&f)), "{}", why);
    }
    let why = choose(
        &field(DataType::Decimal128 {
            precision: 12,
            scale: 4,
        }),
        &numeric(12, 2),
    )
    .unwrap_err();
    assert!(why.contains("rounded"), "{}", why);
    let why = choose(
        &native(DataType::Utf8, "src.mood").with_metadata(ENUM_LABELS_KEY, "[\"sad\",\"meh\"]"),
        &enum_type("dst.mood", &["sad", "ok"]),
    )
    .unwrap_err();
    assert!(
        why.contains("lacks the stream's labels [\"meh\"]"),
        "{}",
        why
    );
}

fn relation(columns: &[(&str, PgType)]) -> PgRelation {
    PgRelation {
        schema: "dst".into(),
        name: "t".into(),
        kind: 'r',
        columns: columns
            .iter()
            .map(|(name, t)| PgColumn {
                name: name.to_string(),
                not_null: false,
                generated: false,
                pg_type: t.clone(),
            })
            .collect(),
        primary_key: vec![],
        has_children: false,
    }
}

#[test]
fn evolution_adds_new_columns_and_refuses_changed_ones_before_anything_happens() {
    let b = PgType::builtin;
    let table = relation(&[
        ("id", b(oid::INT4, "integer")),
        ("val", b(oid::INT4, "integer")),
    ]);
    let stream = Schema::new(vec![
        Field::new("id", DataType::Int32, false),
        Field::new(
            "added",
            DataType::Decimal128 {
                precision: 8,
                scale: 3,
            },
            true,
        ),
        Field::new("val", DataType::Int32, true),
    ]);
    let missing = evolve(&stream, &table, "\"dst\".\"t\"").unwrap();
    assert_eq!(
        missing.iter().map(|f| f.name.as_str()).collect::<Vec<_>>(),
        ["added"]
    );

    let changed = Schema::new(vec![
        Field::new("id", DataType::Int32, false),
        native(DataType::Utf8, "text").with_metadata(NATIVE_TYPE_KEY, "text"),
    ]);
    let mut changed = changed;
    changed.fields[1].name = "val".into();
    let error = evolve(&changed, &table, "\"dst\".\"t\"").unwrap_err();
    assert_eq!(error.category, ErrorCategory::Schema);
    assert!(error.message.contains("\"dst\".\"t\""), "{}", error.message);
    assert!(
        error.message.contains("column \"val\""),
        "{}",
        error.message
    );
    assert!(error.message.contains("integer"), "{}", error.message);
    assert!(error.message.contains("text (utf8)"), "{}", error.message);
}

#[test]
fn the_plan_stages_only_when_a_column_is_cast() {
    let b = PgType::builtin;
    let table = relation(&[
        ("id", b(oid::INT8, "bigint")),
        ("ip", b(oid::INET, "inet")),
        ("name", b(oid::VARCHAR, "character varying(10)")),
    ]);
    let direct_only = Schema::new(vec![
        Field::new("id", DataType::Int64, false),
        Field::new("name", DataType::Utf8, true),
    ]);
    let plan = plan_load(&direct_only, &table, "t").unwrap();
    assert!(!plan.needs_cast());
    assert_eq!(plan.encodings(), vec![Encoding::Int64, Encoding::Text]);

    let with_inet = Schema::new(vec![
        Field::new("id", DataType::Int64, false),
        native(DataType::Utf8, "inet"),
        Field::new("name", DataType::Utf8, true),
    ]);
    let mut with_inet = with_inet;
    with_inet.fields[1].name = "ip".into();
    let plan = plan_load(&with_inet, &table, "t").unwrap();
    assert!(plan.needs_cast());
    assert_eq!(
        plan.stage_columns(),
        vec![
            ("id".to_string(), "bigint".to_string()),
            ("ip".to_string(), "text".to_string()),
            ("name".to_string(), "character varying(10)".to_string())
        ]
    );
}

#[test]
fn stream_names_and_keys_are_checked() {
    let schema = Schema::new(vec![
        Field::new("a", DataType::Int32, true),
        Field::new("a", DataType::Int32, true),
    ]);
    assert_eq!(
        check_field_names(&schema).unwrap_err().category,
        ErrorCategory::Schema
    );
    let schema = Schema::new(vec![
        Field::new("a", DataType::Int32, true),
        Field::new("b", DataType::Int32, true),
    ]);
    assert!(check_field_names(&schema).is_ok());
    assert_eq!(
        check_field_names(&Schema::new(vec![]))
            .unwrap_err()
            .category,
        ErrorCategory::Schema
    );
    assert!(check_primary_key(&schema, &["a".into()]).is_ok());
    let error = check_primary_key(&schema, &["id".into()]).unwrap_err();
    assert_eq!(error.category, ErrorCategory::Config);
    assert!(error.message.contains("\"id\""), "{}", error.message);
    assert!(check_primary_key(&schema, &["a".into(), "a".into()]).is_err());
}

#[test]
fn the_arrow_derived_type_ignores_the_native_type() {
    assert_eq!(arrow_derived_type(&native(DataType::Utf8, "point")), "text");
    assert_eq!(
        arrow_derived_type(&native(DataType::Int64, "bigint")),
        "bigint"
    );
}

fn postgresql_binary(native_type: &str) -> Field {
    native(DataType::Binary, native_type).with_metadata(NATIVE_ENCODING_KEY, "postgresql-binary")
}

#[test]
fn postgresql_binary_goes_into_its_own_type_or_a_wider_one_of_its_kind() {
    let numeric_10_2 = numeric(10, 2);
    assert_eq!(
        choose(&postgresql_binary("numeric(10,2)"), &numeric_10_2),
        direct(Encoding::Native)
    );
    assert_eq!(
        choose(&postgresql_binary("integer[]"), &array_type("integer[]", oid::INT4, 'b')),
        direct(Encoding::NativeArray { element_oid: oid::INT4 })
    );
    // An enum of another schema here, with every label.
    let mood = postgresql_binary("mood").with_metadata(ENUM_LABELS_KEY, "[\"sad\",\"ok\"]");
    assert_eq!(
        choose(&mood, &enum_type("other.mood", &["sad", "ok", "happy"])),
        direct(Encoding::Native)
    );
    let mood_array = postgresql_binary("mood[]").with_metadata(ENUM_LABELS_KEY, "[\"sad\"]");
    let target = PgType {
        enum_labels: Some(vec!["sad".into()]),
        ..array_type("other.mood[]", 81_000, 'e')
    };
    assert_eq!(
        choose(&mood_array, &target),
        direct(Encoding::NativeArray { element_oid: 81_000 })
    );
    // Widenings are staged as the stream's own type and cast there.
    let staged = |native_type: &str| {
        Ok(Choice {
            encoding: Encoding::Native,
            cast: true,
            stage_type: Some(native_type.to_string()),
        })
    };
    assert_eq!(
        choose(&postgresql_binary("integer"), &PgType::builtin(oid::INT8, "bigint")),
        staged("integer")
    );
    assert_eq!(
        choose(&postgresql_binary("numeric(10,2)"), &numeric(20, 4)),
        staged("numeric(10,2)")
    );
    assert_eq!(
        choose(&postgresql_binary("character varying(20)"), &PgType::builtin(oid::TEXT, "text")),
        staged("character varying(20)")
    );
    // Anything that could change a value, or another type, is refused naming both.
    for (native_type, target) in [
        ("numeric(10,4)", numeric(10, 2)),
        ("numeric", numeric(10, 2)),
        ("bigint", PgType::builtin(oid::INT4, "integer")),
        ("double precision", PgType::builtin(oid::FLOAT4, "real")),
        ("point", PgType::builtin(oid::TEXT, "text")),
    ] {
        let why = choose(&postgresql_binary(native_type), &target).unwrap_err();
        assert!(
            why.contains(&target.format_type) && why.contains(native_type) && why.contains("native_lane: false"),
            "{}",
            why
        );
    }
    // Another encoding, or bytes without the type they are, are refused.
    let other = native(DataType::Binary, "integer").with_metadata(NATIVE_ENCODING_KEY, "mysql-binary");
    assert!(choose(&other, &PgType::builtin(oid::INT4, "integer")).unwrap_err().contains("mysql-binary"));
    let untyped = field(DataType::Binary).with_metadata(NATIVE_ENCODING_KEY, "postgresql-binary");
    assert!(choose(&untyped, &PgType::builtin(oid::INT4, "integer")).unwrap_err().contains("rapidbyte.native_type"));
}

#[test]
fn composites_and_ranges_carry_their_definition_and_may_live_in_another_schema_here() {
    let address = postgresql_binary("src.address").with_metadata(
        TYPE_DEFINITION_KEY,
        "{\"composite\": [[\"street\", \"text\"], [\"at\", \"point\"]]}",
    );
    assert_eq!(
        user_type(&address),
        Some(UserType::Composite(vec![
            ("street".into(), "text".into()),
            ("at".into(), "point".into())
        ]))
    );
    let composite = |format_type: &str| PgType {
        typtype: 'c',
        ..PgType::builtin(82_000, format_type)
    };
    assert_eq!(choose(&address, &composite("dst.address")), direct(Encoding::Native));
    // Not into a type of another kind, nor into an array of it.
    assert!(choose(&address, &PgType::builtin(oid::TEXT, "text")).is_err());
    assert!(choose(&address, &array_type("dst.address[]", 82_000, 'c')).is_err());
    let addresses = postgresql_binary("src.address[]")
        .with_metadata(TYPE_DEFINITION_KEY, "{\"composite\": [[\"street\", \"text\"]]}");
    assert_eq!(
        choose(&addresses, &array_type("dst.address[]", 82_000, 'c')),
        direct(Encoding::NativeArray { element_oid: 82_000 })
    );
    let span = postgresql_binary("floatrange").with_metadata(TYPE_DEFINITION_KEY, "{\"range\": \"double precision\"}");
    assert_eq!(user_type(&span), Some(UserType::Range("double precision".into())));
    let range = PgType {
        typtype: 'r',
        ..PgType::builtin(83_000, "dst.floatrange")
    };
    assert_eq!(choose(&span, &range), direct(Encoding::Native));
    assert!(choose(&span, &composite("dst.floatrange")).is_err());
    // Malformed definitions count as none.
    for malformed in ["", "{}", "{\"composite\": [[\"a\"]]}", "{\"range\": 1}", "[1]"] {
        assert_eq!(user_type(&postgresql_binary("x").with_metadata(TYPE_DEFINITION_KEY, malformed)), None, "{}", malformed);
    }
}

#[test]
fn domains_carry_their_definitions_innermost_first_and_malformed_ones_count_as_none() {
    let small = postgresql_binary("integer").with_metadata(
        DOMAINS_KEY,
        r#"[{"name": "src.positive", "base": "integer", "not_null": true, "default": "1", "collation": null,
             "checks": [["positive_check", "CHECK ((VALUE > 0))"], ["odd", "CHECK (((VALUE % 2) = 1)) NOT VALID"]]},
            {"name": "src.small", "base": "src.positive", "not_null": false, "default": null, "collation": null, "checks": null}]"#,
    );
    let chain = domains(&small).expect("two domains");
    assert_eq!(chain.len(), 2);
    assert_eq!(
        chain[0],
        Domain {
            name: "src.positive".into(),
            base: "integer".into(),
            not_null: true,
            default: Some("1".into()),
            collation: None,
            checks: vec![
                ("positive_check".into(), "CHECK ((VALUE > 0))".into()),
                ("odd".into(), "CHECK (((VALUE % 2) = 1)) NOT VALID".into())
            ],
        }
    );
    assert_eq!(chain[0].valid_checks().map(|(n, _)| n.as_str()).collect::<Vec<_>>(), ["positive_check"]);
    assert_eq!(chain[0].not_valid_checks().map(|(n, _)| n.as_str()).collect::<Vec<_>>(), ["odd"]);
    assert_eq!((chain[1].name.as_str(), chain[1].checks.len()), ("src.small", 0));
    assert_eq!(domains(&postgresql_binary("integer")), None);
    // An array of a domain goes into an array of a domain of that name, in any schema.
    let smalls = postgresql_binary("src.small[]").with_metadata(
        DOMAINS_KEY,
        r#"[{"name": "src.positive", "base": "integer"}, {"name": "src.small", "base": "src.positive"}]"#,
    );
    assert_eq!(
        choose(&smalls, &array_type("dst.small[]", 84_000, 'd')),
        direct(Encoding::NativeArray { element_oid: 84_000 })
    );
    assert!(choose(&smalls, &array_type("dst.positive[]", 84_001, 'd')).is_err());
    assert!(choose(&smalls, &array_type("integer[]", oid::INT4, 'b')).is_err());
    for malformed in [
        "",
        "[]",
        "{}",
        r#"[{"base": "integer"}]"#,
        r#"[{"name": "d", "base": 1}]"#,
        r#"[{"name": "d", "base": "integer", "checks": [["c"]]}]"#,
        // Only checks: a constraint of another kind is not a domain's.
        r#"[{"name": "d", "base": "integer", "checks": [["c", "UNIQUE (x)"]]}]"#,
    ] {
        assert_eq!(domains(&postgresql_binary("integer").with_metadata(DOMAINS_KEY, malformed)), None, "{}", malformed);
    }
}
