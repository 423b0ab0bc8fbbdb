//! The two migration folders, kept in step by hand, make the same schema:
//! each backend's catalog is read into a set of facts (tables, columns with
//! a coarse type and nullability, primary keys, foreign keys, indexes) and
//! the two sets must be equal. PostgreSQL-only objects (row-level security,
//! functions, roles, grants) and index names are not compared.

use std::collections::{BTreeMap, BTreeSet};

use atrium_tests::{postgres_tests, Backend, TestDb};
use diesel::sql_types::{Bool, Integer, Nullable, Text};
use diesel::{Connection, PgConnection, QueryableByName, RunQueryDsl, SqliteConnection};

/// diesel's own bookkeeping, not part of the schema.
const DIESEL_TABLE: &str = "__diesel_schema_migrations";

/// One line per fact, sorted, so that a difference reads as a diff.
type Facts = BTreeSet<String>;

#[derive(Default)]
struct Table {
    /// Name → (type family, nullable).
    columns: BTreeMap<String, (String, bool)>,
    primary_key: Vec<String>,
    foreign_keys: Vec<ForeignKey>,
    indexes: Vec<Index>,
}

/// Columns, referenced table, referenced columns, ON DELETE action.
type ForeignKey = (Vec<String>, String, Vec<String>, String);

/// Columns (an expression reads `(expression)`), unique, partial.
type Index = (Vec<String>, bool, bool);

fn facts(tables: &BTreeMap<String, Table>) -> Facts {
    let mut facts = Facts::new();
    for (name, table) in tables {
        facts.insert(format!("table {name}"));
        for (column, (family, nullable)) in &table.columns {
            let null = if *nullable { "null" } else { "not null" };
            facts.insert(format!("column {name}.{column}: {family}, {null}"));
        }
        facts.insert(format!(
            "primary key {name} ({})",
            table.primary_key.join(", ")
        ));
        for (columns, target, target_columns, on_delete) in &table.foreign_keys {
            facts.insert(format!(
                "foreign key {name} ({}) -> {target} ({}) on delete {on_delete}",
                columns.join(", "),
                target_columns.join(", ")
            ));
        }
        // Counted: two indexes may read alike (expressions are not compared).
        let mut indexes = BTreeMap::<String, usize>::new();
        for (columns, unique, partial) in &table.indexes {
            let index = format!(
                "{}{}index {name} ({})",
                if *partial { "partial " } else { "" },
                if *unique { "unique " } else { "" },
                columns.join(", ")
            );
            *indexes.entry(index).or_default() += 1;
        }
        for (index, count) in indexes {
            facts.insert(match count {
                1 => index,
                n => format!("{index} x{n}"),
            });
        }
    }
    facts
}

/// The coarse family of a declared type: what the code can rely on on
/// both backends.
fn family(declared: &str) -> String {
    let lower = declared.to_lowercase();
    let base = lower.split('(').next().unwrap_or("").trim();
    match base {
        "integer" | "int" | "bigint" | "smallint" | "int2" | "int4" | "int8" => "integer",
        "text" | "varchar" | "character varying" | "character" | "char" | "clob" => "text",
        "boolean" | "bool" => "boolean",
        "timestamp"
        | "timestamp without time zone"
        | "timestamp with time zone"
        | "timestamptz"
        | "datetime" => "timestamp",
        _ => return format!("other ({declared})"),
    }
    .to_owned()
}

fn split(list: &str) -> Vec<String> {
    list.split(',').map(str::to_owned).collect()
}

fn sqlite_schema(url: &str) -> BTreeMap<String, Table> {
    let mut conn = SqliteConnection::establish(url.trim_start_matches("sqlite://"))
        .expect("open the SQLite file");

    #[derive(QueryableByName)]
    struct ColumnRow {
        #[diesel(sql_type = Text)]
        table_name: String,
        #[diesel(sql_type = Text)]
        name: String,
        #[diesel(sql_type = Text)]
        declared: String,
        #[diesel(sql_type = Integer)]
        not_null: i32,
        #[diesel(sql_type = Integer)]
        pk: i32,
    }
    let columns: Vec<ColumnRow> = diesel::sql_query(format!(
        "SELECT m.name AS table_name, c.name AS name, c.type AS declared, c.\"notnull\" AS not_null, c.pk AS pk \
         FROM sqlite_master m JOIN pragma_table_info(m.name) c \
         WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name <> '{DIESEL_TABLE}' \
         ORDER BY m.name, c.pk, c.cid"
    ))
    .load(&mut conn)
    .expect("read SQLite columns");

    let mut tables: BTreeMap<String, Table> = BTreeMap::new();
    for c in &columns {
        let table = tables.entry(c.table_name.clone()).or_default();
        if c.pk > 0 {
            table.primary_key.push(c.name.clone());
        }
    }
    for c in columns {
        let table = tables.get_mut(&c.table_name).expect("table of the column");
        // An INTEGER PRIMARY KEY is the rowid: never null, though the
        // pragma does not say so.
        let rowid =
            table.primary_key == [c.name.as_str()] && c.declared.eq_ignore_ascii_case("integer");
        table
            .columns
            .insert(c.name, (family(&c.declared), c.not_null == 0 && !rowid));
    }

    #[derive(QueryableByName)]
    struct ForeignKeyRow {
        #[diesel(sql_type = Text)]
        table_name: String,
        #[diesel(sql_type = Integer)]
        id: i32,
        #[diesel(sql_type = Text)]
        target: String,
        #[diesel(sql_type = Text)]
        from_column: String,
        #[diesel(sql_type = Nullable<Text>)]
        to_column: Option<String>,
        #[diesel(sql_type = Text)]
        on_delete: String,
    }
    let foreign_keys: Vec<ForeignKeyRow> = diesel::sql_query(format!(
        "SELECT m.name AS table_name, f.id AS id, f.\"table\" AS target, f.\"from\" AS from_column, \
                f.\"to\" AS to_column, f.on_delete AS on_delete \
         FROM sqlite_master m JOIN pragma_foreign_key_list(m.name) f \
         WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name <> '{DIESEL_TABLE}' \
         ORDER BY m.name, f.id, f.seq"
    ))
    .load(&mut conn)
    .expect("read SQLite foreign keys");
    let mut grouped: BTreeMap<(String, i32), ForeignKey> = BTreeMap::new();
    for f in foreign_keys {
        // `REFERENCES t` without columns means t's primary key.
        let position = grouped
            .get(&(f.table_name.clone(), f.id))
            .map_or(0, |key| key.0.len());
        let to = f
            .to_column
            .unwrap_or_else(|| tables[&f.target].primary_key[position].clone());
        let entry = grouped
            .entry((f.table_name, f.id))
            .or_insert_with(|| (Vec::new(), f.target, Vec::new(), f.on_delete.to_lowercase()));
        entry.0.push(f.from_column);
        entry.2.push(to);
    }
    for ((table, _), key) in grouped {
        tables
            .get_mut(&table)
            .expect("table")
            .foreign_keys
            .push(key);
    }

    #[derive(QueryableByName)]
    struct IndexRow {
        #[diesel(sql_type = Text)]
        table_name: String,
        #[diesel(sql_type = Text)]
        index_name: String,
        #[diesel(sql_type = Integer)]
        is_unique: i32,
        #[diesel(sql_type = Integer)]
        partial: i32,
        #[diesel(sql_type = Nullable<Text>)]
        column: Option<String>,
    }
    let index_columns: Vec<IndexRow> = diesel::sql_query(format!(
        "SELECT m.name AS table_name, il.name AS index_name, il.\"unique\" AS is_unique, \
                il.partial AS partial, ii.name AS \"column\" \
         FROM sqlite_master m JOIN pragma_index_list(m.name) il JOIN pragma_index_info(il.name) ii \
         WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name <> '{DIESEL_TABLE}' \
           AND il.origin <> 'pk' \
         ORDER BY m.name, il.name, ii.seqno"
    ))
    .load(&mut conn)
    .expect("read SQLite indexes");
    let mut grouped: BTreeMap<(String, String), Index> = BTreeMap::new();
    for i in index_columns {
        let entry = grouped
            .entry((i.table_name, i.index_name))
            .or_insert_with(|| (Vec::new(), i.is_unique != 0, i.partial != 0));
        entry
            .0
            .push(i.column.unwrap_or_else(|| "(expression)".to_owned()));
    }
    for ((table, _), index) in grouped {
        tables.get_mut(&table).expect("table").indexes.push(index);
    }

    // The one deliberate difference (migrations/sqlite/*_tenant_tables):
    // SQLite cannot auto-increment a composite primary key, so a tenant
    // table keys on the rowid `id` and adds UNIQUE (tenant_id, id), where
    // PostgreSQL has PRIMARY KEY (tenant_id, id). Read that shape as the
    // PostgreSQL one; any other difference of keys still shows.
    let composite = ["tenant_id".to_owned(), "id".to_owned()];
    for table in tables.values_mut() {
        let unique_pair = table
            .indexes
            .iter()
            .position(|(columns, unique, partial)| *unique && !*partial && *columns == composite);
        if table.primary_key == ["id"] && table.columns["id"].0 == "integer" {
            if let Some(at) = unique_pair {
                table.indexes.remove(at);
                table.primary_key = composite.to_vec();
            }
        }
    }
    tables
}

fn postgres_schema(url: &str) -> BTreeMap<String, Table> {
    let mut conn = PgConnection::establish(url).expect("connect to PostgreSQL");

    #[derive(QueryableByName)]
    struct ColumnRow {
        #[diesel(sql_type = Text)]
        table_name: String,
        #[diesel(sql_type = Text)]
        name: String,
        #[diesel(sql_type = Text)]
        declared: String,
        #[diesel(sql_type = Bool)]
        nullable: bool,
    }
    let columns: Vec<ColumnRow> = diesel::sql_query(format!(
        "SELECT c.table_name::text AS table_name, c.column_name::text AS name, \
                c.data_type::text AS declared, c.is_nullable = 'YES' AS nullable \
         FROM information_schema.columns c JOIN information_schema.tables t \
           ON t.table_schema = c.table_schema AND t.table_name = c.table_name \
         WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE' \
           AND c.table_name <> '{DIESEL_TABLE}' \
         ORDER BY 1, c.ordinal_position"
    ))
    .load(&mut conn)
    .expect("read PostgreSQL columns");
    let mut tables: BTreeMap<String, Table> = BTreeMap::new();
    for c in columns {
        tables
            .entry(c.table_name)
            .or_default()
            .columns
            .insert(c.name, (family(&c.declared), c.nullable));
    }

    // The columns of a key or index come in order, comma-separated.
    #[derive(QueryableByName)]
    struct ConstraintRow {
        #[diesel(sql_type = Text)]
        table_name: String,
        #[diesel(sql_type = Text)]
        kind: String,
        #[diesel(sql_type = Text)]
        columns: String,
        #[diesel(sql_type = Nullable<Text>)]
        target: Option<String>,
        #[diesel(sql_type = Nullable<Text>)]
        target_columns: Option<String>,
        #[diesel(sql_type = Text)]
        on_delete: String,
    }
    let constraints: Vec<ConstraintRow> = diesel::sql_query(format!(
        "SELECT t.relname::text AS table_name, con.contype::text AS kind, \
                (SELECT string_agg(a.attname::text, ',' ORDER BY k.ord) \
                   FROM unnest(con.conkey) WITH ORDINALITY k(attnum, ord) \
                   JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum) AS columns, \
                r.relname::text AS target, \
                (SELECT string_agg(a.attname::text, ',' ORDER BY k.ord) \
                   FROM unnest(con.confkey) WITH ORDINALITY k(attnum, ord) \
                   JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum) AS target_columns, \
                CASE con.confdeltype WHEN 'c' THEN 'cascade' WHEN 'n' THEN 'set null' \
                     WHEN 'd' THEN 'set default' WHEN 'r' THEN 'restrict' ELSE 'no action' END AS on_delete \
         FROM pg_constraint con JOIN pg_class t ON t.oid = con.conrelid \
         JOIN pg_namespace n ON n.oid = t.relnamespace LEFT JOIN pg_class r ON r.oid = con.confrelid \
         WHERE n.nspname = 'public' AND con.contype IN ('p', 'f') AND t.relname <> '{DIESEL_TABLE}' \
         ORDER BY 1, 2, 3"
    ))
    .load(&mut conn)
    .expect("read PostgreSQL keys");
    for c in constraints {
        let table = tables.entry(c.table_name).or_default();
        if c.kind == "p" {
            table.primary_key = split(&c.columns);
        } else {
            table.foreign_keys.push((
                split(&c.columns),
                c.target.expect("referenced table"),
                split(&c.target_columns.expect("referenced columns")),
                c.on_delete,
            ));
        }
    }

    #[derive(QueryableByName)]
    struct IndexRow {
        #[diesel(sql_type = Text)]
        table_name: String,
        #[diesel(sql_type = Text)]
        columns: String,
        #[diesel(sql_type = Bool)]
        is_unique: bool,
        #[diesel(sql_type = Bool)]
        partial: bool,
    }
    // The primary key's index is compared as the primary key.
    let indexes: Vec<IndexRow> = diesel::sql_query(format!(
        "SELECT t.relname::text AS table_name, i.indisunique AS is_unique, \
                i.indpred IS NOT NULL AS partial, \
                (SELECT string_agg(COALESCE(a.attname::text, '(expression)'), ',' ORDER BY k.ord) \
                   FROM unnest(i.indkey::int2[]) WITH ORDINALITY k(attnum, ord) \
                   LEFT JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum \
                  WHERE k.ord <= i.indnkeyatts) AS columns \
         FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid \
         JOIN pg_namespace n ON n.oid = t.relnamespace \
         WHERE n.nspname = 'public' AND NOT i.indisprimary AND t.relname <> '{DIESEL_TABLE}' \
         ORDER BY 1, 4"
    ))
    .load(&mut conn)
    .expect("read PostgreSQL indexes");
    for i in indexes {
        tables.entry(i.table_name).or_default().indexes.push((
            split(&i.columns),
            i.is_unique,
            i.partial,
        ));
    }
    tables
}

fn both_backends_migrate_to_the_same_schema() {
    let sqlite_db = TestDb::migrated_from_scratch(Backend::Sqlite);
    let postgres_db = TestDb::migrated_from_scratch(Backend::Postgres);
    let sqlite = facts(&sqlite_schema(&sqlite_db.owner_url));
    let postgres = facts(&postgres_schema(&postgres_db.owner_url));
    // Neither reading came back empty (which would compare equal).
    for (backend, facts) in [("sqlite", &sqlite), ("postgres", &postgres)] {
        for kind in [
            "table ",
            "column ",
            "primary key ",
            "foreign key ",
            "unique index ",
        ] {
            assert!(
                facts.iter().any(|f| f.starts_with(kind)),
                "no `{kind}` read from {backend}: {facts:#?}"
            );
        }
    }
    let only_sqlite: Vec<_> = sqlite.difference(&postgres).collect();
    let only_postgres: Vec<_> = postgres.difference(&sqlite).collect();
    assert!(
        only_sqlite.is_empty() && only_postgres.is_empty(),
        "migrations/sqlite and migrations/postgres make different schemas:\n{}{}",
        only_sqlite
            .iter()
            .map(|f| format!("  only in sqlite:   {f}\n"))
            .collect::<String>(),
        only_postgres
            .iter()
            .map(|f| format!("  only in postgres: {f}\n"))
            .collect::<String>(),
    );
}

postgres_tests!(both_backends_migrate_to_the_same_schema);
