//! What the plan is made from: the tables, keys, foreign keys, identity
//! columns and triggers of the current schema, read from PostgreSQL's own
//! catalog, so a table a later migration adds is planned without a change
//! here.

use diesel::connection::SimpleConnection;
use diesel::sql_types::{Array, Bool, Nullable, Text};
use diesel::{PgConnection, QueryableByName, RunQueryDsl};

use crate::error::DbResult;

/// The column that leads the key of every tenant table.
pub const TENANT_COLUMN: &str = "tenant_id";

#[derive(Debug, Clone, QueryableByName)]
pub struct Table {
    #[diesel(sql_type = Text)]
    pub name: String,
    /// `None` without a `tenant_id` column, else whether it is `NOT NULL`.
    #[diesel(sql_type = Nullable<Bool>)]
    pub tenant_not_null: Option<bool>,
    /// The type of its `tenant_id`: co-located tables need the same one.
    #[diesel(sql_type = Nullable<Text>)]
    pub tenant_type: Option<String>,
    #[diesel(sql_type = Array<Text>)]
    pub primary_key: Vec<String>,
}

/// A primary key, unique index or exclusion constraint: Citus keeps one on
/// a distributed table only when it holds the distribution column.
#[derive(Debug, Clone, QueryableByName)]
pub struct UniqueKey {
    #[diesel(sql_type = Text)]
    pub table_name: String,
    #[diesel(sql_type = Text)]
    pub name: String,
    /// Its key columns (an expression such as `lower(email)` is not one).
    #[diesel(sql_type = Array<Text>)]
    pub columns: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, QueryableByName)]
pub struct ForeignKey {
    #[diesel(sql_type = Text)]
    pub name: String,
    #[diesel(sql_type = Text)]
    pub table_name: String,
    #[diesel(sql_type = Array<Text>)]
    pub columns: Vec<String>,
    #[diesel(sql_type = Text)]
    pub referenced_table: String,
    #[diesel(sql_type = Array<Text>)]
    pub referenced_columns: Vec<String>,
    /// `pg_constraint`'s action codes: `a` no action, `r` restrict,
    /// `c` cascade, `n` set null, `d` set default.
    #[diesel(sql_type = Text)]
    pub on_delete: String,
    #[diesel(sql_type = Text)]
    pub on_update: String,
    /// As `pg_get_constraintdef` prints it: what re-creates it.
    #[diesel(sql_type = Text)]
    pub definition: String,
}

#[derive(Debug, Clone, QueryableByName)]
pub struct IdentityColumn {
    #[diesel(sql_type = Text)]
    pub table_name: String,
    #[diesel(sql_type = Text)]
    pub column_name: String,
    #[diesel(sql_type = Text)]
    pub type_name: String,
}

#[derive(Debug, Clone, QueryableByName)]
pub struct Trigger {
    #[diesel(sql_type = Text)]
    pub table_name: String,
    #[diesel(sql_type = Text)]
    pub name: String,
}

/// The schema as the catalog has it.
#[derive(Debug, Clone, Default)]
pub struct Schema {
    pub tables: Vec<Table>,
    pub unique_keys: Vec<UniqueKey>,
    pub foreign_keys: Vec<ForeignKey>,
    pub identity_columns: Vec<IdentityColumn>,
    pub triggers: Vec<Trigger>,
}

/// Key columns of an index or constraint, in order, by name.
const COLUMNS_OF: &str =
    "array(SELECT a.attname::text FROM unnest({keys}) WITH ORDINALITY k(attnum, ord) \
     JOIN pg_attribute a ON a.attrelid = {rel} AND a.attnum = k.attnum ORDER BY k.ord)";

fn columns_of(keys: &str, rel: &str) -> String {
    COLUMNS_OF.replace("{keys}", keys).replace("{rel}", rel)
}

impl Schema {
    /// Reads the schema the connection's `search_path` puts first (where
    /// the migrations made the tables). Inside a transaction: on a Citus
    /// node that holds shards, they are hidden from it first.
    pub fn read(conn: &mut PgConnection) -> DbResult<Self> {
        // Citus hides shards (`users_102008`) from catalog queries unless
        // these two say otherwise; plain PostgreSQL takes them as
        // placeholders.
        conn.batch_execute(
            "SET LOCAL citus.override_table_visibility = on; \
             SET LOCAL citus.show_shards_for_app_name_prefixes = ''",
        )?;
        let tables = diesel::sql_query(format!(
            "SELECT c.relname::text AS name, \
                    (SELECT a.attnotnull FROM pg_attribute a WHERE a.attrelid = c.oid \
                       AND a.attname = '{TENANT_COLUMN}' AND NOT a.attisdropped) AS tenant_not_null, \
                    (SELECT format_type(a.atttypid, a.atttypmod) FROM pg_attribute a \
                      WHERE a.attrelid = c.oid AND a.attname = '{TENANT_COLUMN}' \
                        AND NOT a.attisdropped) AS tenant_type, \
                    coalesce((SELECT {primary_key} FROM pg_index i \
                               WHERE i.indrelid = c.oid AND i.indisprimary), '{{}}') AS primary_key \
               FROM pg_class c \
              WHERE c.relnamespace = current_schema()::regnamespace \
                AND c.relkind IN ('r', 'p') AND NOT c.relispartition \
              ORDER BY c.relname",
            primary_key = columns_of("(i.indkey::int2[])[0:i.indnkeyatts - 1]", "c.oid"),
        ))
        .load(conn)?;
        let unique_keys = diesel::sql_query(format!(
            "SELECT c.relname::text AS table_name, ic.relname::text AS name, {columns} AS columns \
               FROM pg_index i \
               JOIN pg_class c ON c.oid = i.indrelid \
               JOIN pg_class ic ON ic.oid = i.indexrelid \
              WHERE c.relnamespace = current_schema()::regnamespace \
                AND (i.indisunique OR i.indisexclusion) \
              ORDER BY 1, 2",
            columns = columns_of("(i.indkey::int2[])[0:i.indnkeyatts - 1]", "c.oid"),
        ))
        .load(conn)?;
        let foreign_keys = diesel::sql_query(format!(
            "SELECT con.conname::text AS name, c.relname::text AS table_name, {columns} AS columns, \
                    rc.relname::text AS referenced_table, {referenced} AS referenced_columns, \
                    con.confdeltype::text AS on_delete, con.confupdtype::text AS on_update, \
                    pg_get_constraintdef(con.oid) AS definition \
               FROM pg_constraint con \
               JOIN pg_class c ON c.oid = con.conrelid \
               JOIN pg_class rc ON rc.oid = con.confrelid \
              WHERE con.contype = 'f' AND con.conparentid = 0 \
                AND c.relnamespace = current_schema()::regnamespace \
              ORDER BY 2, 1",
            columns = columns_of("con.conkey", "con.conrelid"),
            referenced = columns_of("con.confkey", "con.confrelid"),
        ))
        .load(conn)?;
        let identity_columns = diesel::sql_query(
            "SELECT c.relname::text AS table_name, a.attname::text AS column_name, \
                    format_type(a.atttypid, a.atttypmod) AS type_name \
               FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid \
              WHERE c.relnamespace = current_schema()::regnamespace \
                AND c.relkind IN ('r', 'p') AND a.attidentity <> '' AND NOT a.attisdropped \
              ORDER BY 1, 2",
        )
        .load(conn)?;
        // Internal triggers are PostgreSQL's own (foreign keys) and
        // Citus's (its truncate trigger), not the schema's.
        let triggers = diesel::sql_query(
            "SELECT c.relname::text AS table_name, t.tgname::text AS name \
               FROM pg_trigger t \
               JOIN pg_class c ON c.oid = t.tgrelid \
              WHERE c.relnamespace = current_schema()::regnamespace AND NOT t.tgisinternal \
              ORDER BY 1, 2",
        )
        .load(conn)?;
        Ok(Self {
            tables,
            unique_keys,
            foreign_keys,
            identity_columns,
            triggers,
        })
    }
}
