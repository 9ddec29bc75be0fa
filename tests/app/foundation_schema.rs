//! Both schemas proven equal (issue 12.6): after migration, SQLite and
//! PostgreSQL have the same tables, columns (type, nullability, default),
//! primary keys and indexes (columns, uniqueness), and `src/db/schema.rs`
//! (kept by hand) describes exactly those tables and columns with matching
//! types and nullability.
//!
//! SQLite is always read (a fresh file); PostgreSQL is read in the postgres
//! run of the suite (`CLINIC_STOCK_TEST_BACKEND=postgres`, `--features
//! postgres`), which CI runs.

use std::collections::{BTreeMap, BTreeSet};

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text};
use diesel_migrations::MigrationHarness;

use crate::support::*;

/// One column as both backends and schema.rs can say it: the diesel type
/// (`BigInt`, `Integer`, `Text`, `Bool`, `Timestamp`, `Date`), nullability
/// and the default (normalised: lower case, no casts, `''` for empty text).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Column {
    ty: String,
    nullable: bool,
    default: Option<String>,
}

/// A secondary index or unique constraint: its columns in order, unique.
type Index = (Vec<String>, bool);

#[derive(Debug, Default)]
struct Table {
    columns: BTreeMap<String, Column>,
    primary_key: Vec<String>,
    indexes: BTreeSet<Index>,
}

type Schema = BTreeMap<String, Table>;

fn normalise_default(d: Option<String>) -> Option<String> {
    let d = d?.trim().to_lowercase();
    // PostgreSQL writes `'UTC'::text`, `(0)`; SQLite `'UTC'`, `0`, `TRUE`.
    let d = d.split("::").next().unwrap_or("").trim().to_string();
    let d = d.trim_start_matches('(').trim_end_matches(')').to_string();
    Some(match d.as_str() {
        "1" | "true" => "true".to_string(),
        "false" => "false".to_string(),
        _ => d,
    })
}

// ------------------------------------------------------------------ SQLite

#[derive(QueryableByName)]
struct Name {
    #[diesel(sql_type = Text)]
    name: String,
}

#[derive(QueryableByName)]
struct SqliteColumn {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    ty: String,
    #[diesel(sql_type = BigInt)]
    notnull: i64,
    #[diesel(sql_type = Nullable<Text>)]
    dflt_value: Option<String>,
    #[diesel(sql_type = BigInt)]
    pk: i64,
}

#[derive(QueryableByName)]
struct SqliteIndex {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = BigInt)]
    uniq: i64,
    #[diesel(sql_type = Text)]
    origin: String,
}

#[derive(QueryableByName)]
struct SqliteIndexColumn {
    #[diesel(sql_type = BigInt)]
    seqno: i64,
    #[diesel(sql_type = Nullable<Text>)]
    name: Option<String>,
}

fn sqlite_type(declared: &str, pk: bool) -> String {
    match (declared.to_uppercase().as_str(), pk) {
        // `INTEGER PRIMARY KEY` is the 64-bit rowid.
        ("INTEGER", true) | ("BIGINT", _) => "BigInt",
        ("INTEGER", false) => "Integer",
        ("TEXT", _) => "Text",
        ("BOOLEAN", _) => "Bool",
        ("TIMESTAMP", _) => "Timestamp",
        ("DATE", _) => "Date",
        ("BLOB", _) => "Binary",
        (other, _) => panic!("SQLite column type {other} is not one schema.rs uses"),
    }
    .to_string()
}

fn sqlite_schema() -> Schema {
    let dir = std::env::temp_dir().join(format!(
        "cs-schema-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("schema.db");
    let mut c = diesel::SqliteConnection::establish(&path.to_string_lossy()).unwrap();
    c.run_pending_migrations(clinic_stock::db::migrations::SQLITE)
        .unwrap();
    let tables: Vec<Name> = diesel::sql_query(
        "SELECT name FROM sqlite_master WHERE type = 'table' \
         AND name NOT LIKE 'sqlite_%' AND name <> '__diesel_schema_migrations' ORDER BY name",
    )
    .load(&mut c)
    .unwrap();
    let mut schema = Schema::new();
    for Name { name: table } in tables {
        let mut t = Table::default();
        let cols: Vec<SqliteColumn> = diesel::sql_query(format!(
            "SELECT name, type AS ty, \"notnull\", dflt_value, pk FROM pragma_table_info('{table}')"
        ))
        .load(&mut c)
        .unwrap();
        let mut pk: Vec<(i64, String)> = Vec::new();
        for col in cols {
            if col.pk > 0 {
                pk.push((col.pk, col.name.clone()));
            }
            t.columns.insert(
                col.name,
                Column {
                    ty: sqlite_type(&col.ty, col.pk > 0),
                    nullable: col.notnull == 0 && col.pk == 0,
                    default: normalise_default(col.dflt_value),
                },
            );
        }
        pk.sort();
        t.primary_key = pk.into_iter().map(|(_, n)| n).collect();
        let indexes: Vec<SqliteIndex> = diesel::sql_query(format!(
            "SELECT name, \"unique\" AS uniq, origin FROM pragma_index_list('{table}')"
        ))
        .load(&mut c)
        .unwrap();
        for ix in indexes.into_iter().filter(|ix| ix.origin != "pk") {
            let mut cols: Vec<SqliteIndexColumn> = diesel::sql_query(format!(
                "SELECT seqno, name FROM pragma_index_info('{}')",
                ix.name
            ))
            .load(&mut c)
            .unwrap();
            cols.sort_by_key(|c| c.seqno);
            let cols = cols
                .into_iter()
                .map(|c| c.name.unwrap_or_else(|| "<expression>".into()))
                .collect();
            t.indexes.insert((cols, ix.uniq == 1));
        }
        schema.insert(table, t);
    }
    drop(c);
    let _ = std::fs::remove_dir_all(dir);
    schema
}

// ------------------------------------------------------------- PostgreSQL

#[cfg(feature = "postgres")]
mod pg {
    use super::*;

    #[derive(QueryableByName)]
    struct PgColumn {
        #[diesel(sql_type = Text)]
        table_name: String,
        #[diesel(sql_type = Text)]
        column_name: String,
        #[diesel(sql_type = Text)]
        data_type: String,
        #[diesel(sql_type = Text)]
        is_nullable: String,
        #[diesel(sql_type = Nullable<Text>)]
        column_default: Option<String>,
        #[diesel(sql_type = Text)]
        is_identity: String,
    }

    #[derive(QueryableByName)]
    struct PgIndex {
        #[diesel(sql_type = Text)]
        table_name: String,
        #[diesel(sql_type = diesel::sql_types::Bool)]
        uniq: bool,
        #[diesel(sql_type = diesel::sql_types::Bool)]
        pk: bool,
        #[diesel(sql_type = Text)]
        cols: String,
    }

    fn pg_type(t: &str) -> String {
        match t {
            "bigint" => "BigInt",
            "integer" => "Integer",
            "text" => "Text",
            "boolean" => "Bool",
            "timestamp without time zone" => "Timestamp",
            "date" => "Date",
            "bytea" => "Binary",
            other => panic!("PostgreSQL column type {other} is not one schema.rs uses"),
        }
        .to_string()
    }

    pub fn schema(url: &str) -> Schema {
        let mut c = diesel::PgConnection::establish(url).unwrap();
        c.run_pending_migrations(clinic_stock::db::migrations::POSTGRES)
            .unwrap();
        let cols: Vec<PgColumn> = diesel::sql_query(
            "SELECT table_name::text AS table_name, column_name::text AS column_name, \
             data_type::text AS data_type, is_nullable::text AS is_nullable, \
             column_default::text AS column_default, is_identity::text AS is_identity \
             FROM information_schema.columns WHERE table_schema = 'public' \
             AND table_name <> '__diesel_schema_migrations' ORDER BY table_name, ordinal_position",
        )
        .load(&mut c)
        .unwrap();
        let mut schema = Schema::new();
        for col in cols {
            let identity = col.is_identity == "YES";
            schema.entry(col.table_name).or_default().columns.insert(
                col.column_name,
                Column {
                    ty: pg_type(&col.data_type),
                    nullable: col.is_nullable == "YES",
                    default: if identity {
                        None
                    } else {
                        normalise_default(col.column_default)
                    },
                },
            );
        }
        let indexes: Vec<PgIndex> = diesel::sql_query(
            "SELECT t.relname::text AS table_name, ix.indisunique AS uniq, ix.indisprimary AS pk, \
             array_to_string(ARRAY(SELECT COALESCE(a.attname::text, '<expression>') \
               FROM unnest(ix.indkey) WITH ORDINALITY AS k(attnum, ord) \
               LEFT JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum \
               ORDER BY k.ord), ',') AS cols \
             FROM pg_index ix JOIN pg_class t ON t.oid = ix.indrelid \
             JOIN pg_namespace n ON n.oid = t.relnamespace \
             WHERE n.nspname = 'public' AND t.relname <> '__diesel_schema_migrations'",
        )
        .load(&mut c)
        .unwrap();
        for ix in indexes {
            let cols: Vec<String> = ix.cols.split(',').map(str::to_string).collect();
            let t = schema.entry(ix.table_name).or_default();
            if ix.pk {
                t.primary_key = cols;
            } else {
                t.indexes.insert((cols, ix.uniq));
            }
        }
        schema
    }
}

// --------------------------------------------------------------- schema.rs

/// Tables and columns as `src/db/schema.rs` declares them: (primary key,
/// column → (type, nullable)).
type Declared = BTreeMap<String, (Vec<String>, BTreeMap<String, (String, bool)>)>;

fn declared_schema() -> Declared {
    let text = include_str!("../../src/db/schema.rs");
    let mut out = BTreeMap::new();
    let mut rest = text;
    while let Some(p) = rest.find("diesel::table! {") {
        rest = &rest[p + "diesel::table! {".len()..];
        let body_end = rest.find("\n}").expect("a table! block ends");
        let body = &rest[..body_end];
        let mut lines = body.lines().map(str::trim).filter(|l| {
            !l.is_empty() && !l.starts_with("//") && !l.starts_with("#[") && !l.starts_with("///")
        });
        let head = lines.next().expect("table name line");
        let (name, pk) = head
            .trim_end_matches('{')
            .trim()
            .split_once('(')
            .expect("name (pk)");
        let pk = pk
            .trim_end_matches(')')
            .split(',')
            .map(|s| s.trim().to_string())
            .collect();
        let mut cols = BTreeMap::new();
        for l in lines {
            let Some((col, ty)) = l.split_once("->") else {
                continue;
            };
            let ty = ty.trim().trim_end_matches(',');
            let (ty, nullable) = match ty.strip_prefix("Nullable<") {
                Some(inner) => (inner.trim_end_matches('>'), true),
                None => (ty, false),
            };
            cols.insert(col.trim().to_string(), (ty.to_string(), nullable));
        }
        out.insert(name.trim().to_string(), (pk, cols));
        rest = &rest[body_end..];
    }
    assert!(out.len() > 10, "schema.rs read: {} tables", out.len());
    out
}

fn compare_with_declared(backend: &str, found: &Schema) -> Vec<String> {
    let declared = declared_schema();
    let mut wrong = Vec::new();
    let a: BTreeSet<_> = declared.keys().collect();
    let b: BTreeSet<_> = found.keys().collect();
    for t in a.difference(&b) {
        wrong.push(format!("schema.rs has table {t}, {backend} does not"));
    }
    for t in b.difference(&a) {
        wrong.push(format!("{backend} has table {t}, schema.rs does not"));
    }
    for (name, (pk, cols)) in &declared {
        let Some(t) = found.get(name) else { continue };
        if *pk != t.primary_key {
            wrong.push(format!(
                "{name}: schema.rs primary key {pk:?}, {backend} {:?}",
                t.primary_key
            ));
        }
        for (col, (ty, nullable)) in cols {
            match t.columns.get(col) {
                None => wrong.push(format!("{name}.{col}: in schema.rs, not in {backend}")),
                Some(c) if c.ty != *ty || c.nullable != *nullable => wrong.push(format!(
                    "{name}.{col}: schema.rs {ty} nullable={nullable}, {backend} {} nullable={}",
                    c.ty, c.nullable
                )),
                Some(_) => {}
            }
        }
        for col in t.columns.keys().filter(|c| !cols.contains_key(*c)) {
            wrong.push(format!("{name}.{col}: in {backend}, not in schema.rs"));
        }
    }
    wrong
}

#[test]
fn sqlite_matches_schema_rs() {
    let sqlite = sqlite_schema();
    let wrong = compare_with_declared("SQLite", &sqlite);
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    // The reader sees what it must: a table with a composite unique key
    // and a named index.
    let locations = &sqlite["locations"];
    assert!(
        locations
            .indexes
            .contains(&(vec!["site_id".into(), "code".into()], true)),
        "{:?}",
        locations.indexes
    );
    assert_eq!(
        locations.columns["sort_order"].default.as_deref(),
        Some("0")
    );
}

#[test]
fn postgres_and_sqlite_schemas_are_the_same() {
    match backend() {
        "postgres" => compare_backends(),
        _ => eprintln!("the PostgreSQL schema is compared in the postgres run of the suite"),
    }
}

#[cfg(not(feature = "postgres"))]
fn compare_backends() {
    panic!("the postgres run of the suite needs --features postgres");
}

#[cfg(feature = "postgres")]
fn compare_backends() {
    {
        let db = TestDb::new();
        let pg = pg::schema(&db.url);
        let sqlite = sqlite_schema();
        let mut wrong = compare_with_declared("PostgreSQL", &pg);
        let a: BTreeSet<_> = sqlite.keys().collect();
        let b: BTreeSet<_> = pg.keys().collect();
        for t in a.symmetric_difference(&b) {
            wrong.push(format!("table {t} exists on one backend only"));
        }
        for (name, s) in &sqlite {
            let Some(p) = pg.get(name) else { continue };
            for (col, sc) in &s.columns {
                match p.columns.get(col) {
                    Some(pc) if pc != sc => {
                        wrong.push(format!("{name}.{col}: SQLite {sc:?}, PostgreSQL {pc:?}"))
                    }
                    None => wrong.push(format!("{name}.{col}: SQLite only")),
                    _ => {}
                }
            }
            for col in p.columns.keys().filter(|c| !s.columns.contains_key(*c)) {
                wrong.push(format!("{name}.{col}: PostgreSQL only"));
            }
            if s.primary_key != p.primary_key {
                wrong.push(format!(
                    "{name}: primary key SQLite {:?}, PostgreSQL {:?}",
                    s.primary_key, p.primary_key
                ));
            }
            for ix in s.indexes.difference(&p.indexes) {
                wrong.push(format!("{name}: index {ix:?} on SQLite only"));
            }
            for ix in p.indexes.difference(&s.indexes) {
                wrong.push(format!("{name}: index {ix:?} on PostgreSQL only"));
            }
        }
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    }
}
