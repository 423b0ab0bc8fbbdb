//! The rules a migration follows so that it also applies to a schema
//! already distributed on Citus (migrations/README.md), checked on its
//! text. Citus propagates most DDL from the coordinator to the shards; what
//! it cannot do is keep a foreign key between a plain table and a
//! distributed one, run triggers, or change the distribution column. So:
//! - a new table is created without foreign keys, placed with
//!   `atrium_distribute_like('new', 'peer')`, then given its keys;
//! - a statement Citus cannot run says so in a `-- citus:` comment right
//!   above it (what to do on a distributed deployment instead).

/// Migrations from this one on may meet a distributed schema: it adds the
/// function they place new tables with, and `atrium distribute` came with
/// it, so no deployment was distributed before it.
pub const FIRST_CHECKED: &str = "2026-11-30-000060";

const PLACE: &str = "atrium_distribute_like";
const MARKER: &str = "-- citus:";

/// One SQL statement, lower-cased, and whether a `-- citus:` comment
/// stands right above it.
struct Statement {
    text: String,
    marked: bool,
}

/// Every way `sql` breaks the rules; empty when it keeps them.
pub fn check(sql: &str) -> Vec<String> {
    let statements = split(sql);
    let mut problems = Vec::new();
    for (at, statement) in statements.iter().enumerate() {
        let words: Vec<&str> = statement.text.split_whitespace().collect();
        if let Some(table) = created_table(&words) {
            if statement.text.contains(" references ") {
                problems.push(format!(
                    "CREATE TABLE {table} declares foreign keys: create it without them, \
                     SELECT {PLACE}('{table}', '<a table placed like it>'), then add them \
                     with ALTER TABLE"
                ));
            }
            let placed_at = statements[at..]
                .iter()
                .position(|s| s.text.contains(&format!("{PLACE}('{table}'")))
                .map(|offset| at + offset);
            match placed_at {
                None => problems.push(format!(
                    "{table} is never placed: SELECT {PLACE}('{table}', '<a table placed like \
                     it>') after creating it"
                )),
                Some(placed_at) => {
                    for later in &statements[at + 1..placed_at] {
                        let words: Vec<&str> = later.text.split_whitespace().collect();
                        if altered_table(&words) == Some(table)
                            && (later.text.contains(" foreign key ")
                                || later.text.contains(" references "))
                        {
                            problems.push(format!(
                                "a foreign key of {table} is added before {PLACE} places it"
                            ));
                        }
                    }
                }
            }
        }
        if !statement.marked {
            if let Some(what) = unsupported(&statement.text, &words) {
                problems.push(format!(
                    "{what} cannot run on a distributed schema: say what to do instead in a \
                     `{MARKER}` comment right above it"
                ));
            }
        }
    }
    problems
}

fn created_table<'a>(words: &[&'a str]) -> Option<&'a str> {
    match words {
        ["create", "table", "if", "not", "exists", name, ..]
        | ["create", "unlogged", "table", name, ..]
        | ["create", "table", name, ..] => Some(name.split('(').next().unwrap_or(name)),
        _ => None,
    }
}

fn altered_table<'a>(words: &[&'a str]) -> Option<&'a str> {
    match words {
        ["alter", "table", "only", name, ..] | ["alter", "table", name, ..] => Some(name),
        _ => None,
    }
}

fn unsupported(text: &str, words: &[&str]) -> Option<&'static str> {
    match words {
        ["create", "trigger", ..] | ["create", "or", "replace", "trigger", ..] => {
            Some("a trigger (Citus runs none on the tables it converts)")
        }
        ["create", "materialized", "view", ..] => {
            Some("a materialized view (Citus does not distribute one)")
        }
        ["create", "rule", ..] | ["create", "or", "replace", "rule", ..] => Some("a rule"),
        ["alter", "table", ..]
            if [" alter ", " rename ", " drop "].iter().any(|verb| {
                // COLUMN is optional: ALTER TABLE t ALTER tenant_id …
                text.contains(&format!("{verb}column tenant_id "))
                    || text.contains(&format!("{verb}tenant_id "))
            }) =>
        {
            Some("a change of tenant_id, the distribution column,")
        }
        _ => None,
    }
}

/// Statements, split at `;` outside comments, quotes and dollar-quoted
/// bodies.
fn split(sql: &str) -> Vec<Statement> {
    let mut statements = Vec::new();
    let mut text = String::new();
    let mut marked = false;
    let mut rest = sql;
    while let Some(c) = rest.chars().next() {
        if rest.starts_with("--") {
            let end = rest.find('\n').unwrap_or(rest.len());
            if text.trim().is_empty() {
                marked = rest[..end].trim().starts_with(MARKER);
            }
            rest = &rest[end..];
            continue;
        }
        let quoted_end = match c {
            '\'' => rest[1..].find('\'').map(|i| i + 2),
            '$' => dollar_tag(rest).and_then(|tag| {
                rest[tag.len()..]
                    .find(tag)
                    .map(|i| tag.len() + i + tag.len())
            }),
            _ => None,
        };
        if let Some(end) = quoted_end {
            text.push_str(&rest[..end]);
            rest = &rest[end..];
            continue;
        }
        rest = &rest[c.len_utf8()..];
        if c == ';' {
            if !text.trim().is_empty() {
                statements.push(Statement {
                    text: format!(
                        " {} ",
                        text.to_lowercase()
                            .split_whitespace()
                            .collect::<Vec<_>>()
                            .join(" ")
                    ),
                    marked,
                });
            }
            text.clear();
            marked = false;
        } else {
            text.push(c);
        }
    }
    statements
}

/// `$$` or `$name$` at the start of `sql`.
fn dollar_tag(sql: &str) -> Option<&str> {
    let end = sql[1..].find('$')? + 2;
    let tag = &sql[..end];
    tag[1..end - 1]
        .chars()
        .all(|c| c.is_alphanumeric() || c == '_')
        .then_some(tag)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The project's own migrations, from the first that may meet a
    /// distributed schema.
    #[test]
    fn the_project_migrations_keep_the_rules() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../migrations/postgres");
        let mut checked = 0;
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if name.as_str() < FIRST_CHECKED {
                continue;
            }
            let sql = std::fs::read_to_string(path.join("up.sql")).unwrap();
            assert_eq!(check(&sql), Vec::<String>::new(), "{name}");
            checked += 1;
        }
        assert!(checked >= 1, "no migration from {FIRST_CHECKED} on");
    }

    #[test]
    fn a_new_table_is_created_placed_then_tied() {
        let good = "CREATE TABLE badges (tenant_id bigint NOT NULL, id bigint, user_id bigint, \
                      PRIMARY KEY (tenant_id, id));\n\
                    SELECT atrium_distribute_like('badges', 'users');\n\
                    ALTER TABLE badges ADD FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id);";
        assert_eq!(check(good), Vec::<String>::new());

        let inline = "CREATE TABLE badges (tenant_id bigint REFERENCES tenants (id));\n\
                      SELECT atrium_distribute_like('badges', 'users');";
        let problems = check(inline);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].contains("declares foreign keys"));

        let unplaced = "CREATE TABLE badges (tenant_id bigint);";
        assert!(check(unplaced)[0].contains("never placed"));

        let too_early = "CREATE TABLE badges (tenant_id bigint, user_id bigint);\n\
                         ALTER TABLE badges ADD FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id);\n\
                         SELECT atrium_distribute_like('badges', 'users');";
        let problems = check(too_early);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].contains("before"));
    }

    #[test]
    fn what_citus_cannot_run_must_say_so() {
        let trigger =
            "CREATE TRIGGER touch BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION t();";
        assert_eq!(check(trigger).len(), 1);
        let said = "-- citus: set citus.enable_unsafe_triggers on the coordinator first\n\
                    CREATE TRIGGER touch BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION t();";
        assert_eq!(check(said), Vec::<String>::new());
        for change in [
            "ALTER TABLE users ALTER COLUMN tenant_id TYPE numeric;",
            "ALTER TABLE users ALTER tenant_id TYPE numeric;",
            "ALTER TABLE users RENAME tenant_id TO school_id;",
            "ALTER TABLE users DROP COLUMN tenant_id;",
        ] {
            assert_eq!(check(change).len(), 1, "{change}");
        }
        let other_column = "ALTER TABLE users ALTER COLUMN tenant_name TYPE text;";
        assert_eq!(check(other_column), Vec::<String>::new());
        // A comment that says something else does not count.
        let other =
            "-- touch rows\nCREATE TRIGGER touch BEFORE UPDATE ON users EXECUTE FUNCTION t();";
        assert_eq!(check(other).len(), 1);
    }

    #[test]
    fn quotes_comments_and_function_bodies_are_not_statements() {
        let sql = "-- a CREATE TABLE in a comment; is none\n\
                   CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$\n\
                   BEGIN EXECUTE 'CREATE TABLE x (a int REFERENCES y)'; CREATE TRIGGER t; END\n\
                   $$;\n\
                   SELECT 'CREATE TABLE z; x';";
        assert_eq!(check(sql), Vec::<String>::new());
        assert_eq!(split(sql).len(), 2);
    }
}
