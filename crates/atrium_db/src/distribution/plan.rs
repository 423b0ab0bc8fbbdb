//! Where each table goes, decided from the catalog alone, and every reason
//! Citus would refuse the result, found before anything is changed.

use std::collections::BTreeMap;
use std::fmt;

use super::catalog::{ForeignKey, Schema, Table, TENANT_COLUMN};

/// diesel's bookkeeping of applied migrations: only `atrium migrate`
/// reads it, on the coordinator.
pub const MIGRATIONS_TABLE: &str = "__diesel_schema_migrations";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placement {
    /// Hash-distributed by `tenant_id`, co-located with the anchor: a
    /// tenant's rows of every such table live on the same worker.
    Distributed,
    /// Copied to every node, so any shard can join or reference it.
    Reference,
    /// A plain table on the coordinator.
    Local,
}

impl fmt::Display for Placement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(match self {
            Placement::Distributed => "distributed",
            Placement::Reference => "reference",
            Placement::Local => "local",
        })
    }
}

/// What Citus's metadata says of a table already converted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Existing {
    Distributed {
        column: String,
        colocation_id: i32,
    },
    Reference,
    /// Distributed without a shard key, one shard (Citus 12's schema-based
    /// sharding).
    SingleShard,
    /// A Citus local table (made when a plain table gained a foreign key
    /// to a reference table): still to be converted.
    CitusLocal,
}

#[derive(Debug, Clone)]
pub struct TablePlan {
    pub table: String,
    pub placement: Placement,
    pub reason: String,
    /// Already where the plan puts it.
    pub done: bool,
}

#[derive(Debug, Clone)]
pub struct Plan {
    /// The distributed table the others are co-located with.
    pub anchor: Option<String>,
    /// Every table of the schema, anchor first among the distributed.
    pub tables: Vec<TablePlan>,
    /// Dropped before the conversion and re-created after it, in the same
    /// transaction: the foreign keys that touch a table to convert.
    pub foreign_keys: Vec<ForeignKey>,
}

impl Plan {
    pub fn to_convert(&self) -> impl Iterator<Item = &TablePlan> {
        self.tables
            .iter()
            .filter(|t| !t.done && t.placement != Placement::Local)
    }

    pub fn placement_of(&self, table: &str) -> Option<Placement> {
        self.tables
            .iter()
            .find(|t| t.table == table)
            .map(|t| t.placement)
    }
}

/// The plan for `schema`, given what is already converted; or every
/// reason the schema cannot be distributed as it is.
pub fn plan(schema: &Schema, existing: &BTreeMap<String, Existing>) -> Result<Plan, Vec<String>> {
    let placed: BTreeMap<&str, (Placement, String)> = schema
        .tables
        .iter()
        .map(|table| (table.name.as_str(), placement_of(table)))
        .collect();
    let placement = |table: &str| placed.get(table).map(|(p, _)| *p);
    let mut problems = Vec::new();
    let anchor = choose_anchor(schema, &placed, existing);
    let anchor_colocation = anchor.as_deref().and_then(|a| match existing.get(a) {
        Some(Existing::Distributed { colocation_id, .. }) => Some(*colocation_id),
        _ => None,
    });

    let mut tables = Vec::new();
    for (&name, (placement, reason)) in &placed {
        let done = match (placement, existing.get(name)) {
            (_, None | Some(Existing::CitusLocal)) => false,
            (Placement::Reference, Some(Existing::Reference)) => true,
            (
                Placement::Distributed,
                Some(Existing::Distributed {
                    column,
                    colocation_id,
                }),
            ) if column == TENANT_COLUMN && Some(*colocation_id) == anchor_colocation => true,
            (_, Some(found)) => {
                // undistribute_table refuses tables with identity
                // columns (citusdata/citus#7750), as most of Atrium's are.
                problems.push(format!(
                    "{name} is already {}, but the plan makes it {placement}: Atrium does not \
                     move a converted table; turn it back into a plain table by hand \
                     (undistribute_table, or a copy for a table with an identity column), \
                     then run this again",
                    describe(found)
                ));
                true
            }
        };
        let reason = if anchor.as_deref() == Some(name) {
            format!("{reason}; the anchor the others are co-located with")
        } else {
            reason.clone()
        };
        tables.push(TablePlan {
            table: name.to_owned(),
            placement: *placement,
            reason,
            done,
        });
    }
    // Reference tables first, then the anchor, so the others can be
    // co-located with it; the order is also the one the plan prints.
    tables.sort_by_key(|t| match t.placement {
        Placement::Reference => 0,
        Placement::Distributed if anchor.as_deref() == Some(t.table.as_str()) => 1,
        Placement::Distributed => 2,
        Placement::Local => 3,
    });

    for key in &schema.unique_keys {
        if placement(&key.table_name) == Some(Placement::Distributed)
            && !key.columns.iter().any(|c| c == TENANT_COLUMN)
        {
            problems.push(format!(
                "unique key {} of {} ({}) does not hold {TENANT_COLUMN}: \
                 Citus can only enforce it within a shard",
                key.name,
                key.table_name,
                key.columns.join(", ")
            ));
        }
    }
    for fk in &schema.foreign_keys {
        check_foreign_key(fk, placement, &mut problems);
    }
    let distributed: Vec<&Table> = schema
        .tables
        .iter()
        .filter(|t| placement(&t.name) == Some(Placement::Distributed))
        .collect();
    for table in &distributed {
        // Shards move between workers by logical replication, which
        // needs a key to name a row by.
        if table.primary_key.is_empty() {
            problems.push(format!(
                "tenant table {} has no primary key: Citus could not move its shards online",
                table.name
            ));
        }
    }
    let types: BTreeMap<&str, Vec<&str>> =
        distributed
            .iter()
            .fold(BTreeMap::new(), |mut types, table| {
                let type_name = table.tenant_type.as_deref().unwrap_or_default();
                types.entry(type_name).or_default().push(&table.name);
                types
            });
    if types.len() > 1 {
        problems.push(format!(
            "co-located tables need one type of {TENANT_COLUMN}, and these differ: {}",
            types
                .iter()
                .map(|(type_name, tables)| format!("{type_name} ({})", tables.join(", ")))
                .collect::<Vec<_>>()
                .join("; ")
        ));
    }
    let converting: Vec<&str> = tables
        .iter()
        .filter(|t| !t.done && t.placement != Placement::Local)
        .map(|t| t.table.as_str())
        .collect();
    for column in &schema.identity_columns {
        if converting.contains(&column.table_name.as_str()) && column.type_name != "bigint" {
            problems.push(format!(
                "identity column {}.{} is {}: Citus before 12.0 takes only bigint ones",
                column.table_name, column.column_name, column.type_name
            ));
        }
    }
    for trigger in &schema.triggers {
        if converting.contains(&trigger.table_name.as_str()) {
            problems.push(format!(
                "trigger {} on {}: Citus does not run triggers on the tables it converts \
                 (citus.enable_unsafe_triggers is off by default)",
                trigger.name, trigger.table_name
            ));
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let foreign_keys = schema
        .foreign_keys
        .iter()
        .filter(|fk| {
            converting.contains(&fk.table_name.as_str())
                || converting.contains(&fk.referenced_table.as_str())
        })
        .cloned()
        .collect();
    Ok(Plan {
        anchor,
        tables,
        foreign_keys,
    })
}

/// The rule, with the reason the plan prints beside each table.
fn placement_of(table: &Table) -> (Placement, String) {
    if table.name == MIGRATIONS_TABLE {
        return (
            Placement::Local,
            "migration bookkeeping: only `atrium migrate` reads it, on the coordinator".into(),
        );
    }
    match table.tenant_not_null {
        None => (
            Placement::Reference,
            format!("platform table: no {TENANT_COLUMN}"),
        ),
        Some(false) => (
            Placement::Reference,
            format!("platform table: its rows may have no {TENANT_COLUMN}"),
        ),
        Some(true)
            if table
                .primary_key
                .first()
                .is_none_or(|column| column == TENANT_COLUMN) =>
        {
            (
                Placement::Distributed,
                format!("tenant table: {TENANT_COLUMN} leads its key"),
            )
        }
        Some(true) => (
            Placement::Reference,
            format!(
                "platform-wide key ({}): looked up before the tenant is known",
                table.primary_key.join(", ")
            ),
        ),
    }
}

/// The tenant table the most foreign keys point at (the heart of the tree
/// of keys), among those Citus already distributes if any, so a second
/// run names the anchor the first one chose.
fn choose_anchor(
    schema: &Schema,
    placed: &BTreeMap<&str, (Placement, String)>,
    existing: &BTreeMap<String, Existing>,
) -> Option<String> {
    let distributed: Vec<&str> = placed
        .iter()
        .filter(|(_, (p, _))| *p == Placement::Distributed)
        .map(|(name, _)| *name)
        .collect();
    let already: Vec<&str> = distributed
        .iter()
        .copied()
        .filter(|name| {
            matches!(existing.get(*name), Some(Existing::Distributed { column, .. }) if column == TENANT_COLUMN)
        })
        .collect();
    let candidates = if already.is_empty() {
        distributed
    } else {
        already
    };
    candidates
        .into_iter()
        .max_by_key(|name| {
            let pointing = schema
                .foreign_keys
                .iter()
                .filter(|fk| fk.referenced_table == *name && fk.table_name != *name)
                .count();
            // Ties go to the first name.
            (pointing, std::cmp::Reverse(*name))
        })
        .map(str::to_owned)
}

fn check_foreign_key(
    fk: &ForeignKey,
    placement: impl Fn(&str) -> Option<Placement>,
    problems: &mut Vec<String>,
) {
    let from = placement(&fk.table_name);
    let to = placement(&fk.referenced_table);
    let holds_tenant = fk.columns.iter().any(|c| c == TENANT_COLUMN);
    match (from, to) {
        (Some(Placement::Distributed), Some(Placement::Distributed)) => {
            let paired = fk
                .columns
                .iter()
                .zip(&fk.referenced_columns)
                .any(|(from, to)| from == TENANT_COLUMN && to == TENANT_COLUMN);
            if !paired {
                problems.push(format!(
                    "foreign key {} of {} does not pair {TENANT_COLUMN} with {}.{TENANT_COLUMN}: \
                     its rows could point at another worker's",
                    fk.name, fk.table_name, fk.referenced_table
                ));
            }
        }
        (Some(Placement::Reference | Placement::Local), Some(Placement::Distributed)) => {
            problems.push(format!(
                "foreign key {} goes from {} table {} to distributed table {}: \
                 Citus cannot keep it",
                fk.name,
                from.map_or_else(String::new, |p| p.to_string()),
                fk.table_name,
                fk.referenced_table
            ));
        }
        (Some(Placement::Local), Some(Placement::Reference)) => {
            problems.push(format!(
                "foreign key {} goes from local table {} to reference table {}: \
                 Citus would convert {} itself",
                fk.name, fk.table_name, fk.referenced_table, fk.table_name
            ));
        }
        (Some(from), Some(Placement::Local)) if from != Placement::Local => {
            problems.push(format!(
                "foreign key {} goes from {from} table {} to local table {}: \
                 the workers do not have it",
                fk.name, fk.table_name, fk.referenced_table
            ));
        }
        (Some(_), None) => {
            problems.push(format!(
                "foreign key {} of {} points at {}, outside this schema: \
                 the plan does not place it",
                fk.name, fk.table_name, fk.referenced_table
            ));
        }
        _ => {}
    }
    if from == Some(Placement::Distributed) && holds_tenant {
        for (action, code) in [("ON DELETE", &fk.on_delete), ("ON UPDATE", &fk.on_update)] {
            let changes_key = match action {
                "ON DELETE" => matches!(code.as_str(), "n" | "d"),
                _ => !matches!(code.as_str(), "a" | "r"),
            };
            if changes_key {
                problems.push(format!(
                    "foreign key {} of {} has {action} {}: it would change {TENANT_COLUMN}, \
                     the distribution column",
                    fk.name,
                    fk.table_name,
                    action_name(code)
                ));
            }
        }
    }
}

fn action_name(code: &str) -> &'static str {
    match code {
        "c" => "CASCADE",
        "n" => "SET NULL",
        "d" => "SET DEFAULT",
        "r" => "RESTRICT",
        _ => "NO ACTION",
    }
}

fn describe(existing: &Existing) -> String {
    match existing {
        Existing::Distributed {
            column,
            colocation_id,
        } => format!("distributed by {column} (co-location group {colocation_id})"),
        Existing::Reference => "a reference table".into(),
        Existing::SingleShard => "a single-shard distributed table".into(),
        Existing::CitusLocal => "a Citus local table".into(),
    }
}

impl Plan {
    /// One line a table: placement, name, state, reason.
    pub(crate) fn write_tables(&self, f: &mut fmt::Formatter<'_>, to_do: &str) -> fmt::Result {
        let width = self.tables.iter().map(|t| t.table.len()).max().unwrap_or(0);
        for table in &self.tables {
            let state = if table.done {
                "done"
            } else if table.placement == Placement::Local {
                "stays"
            } else {
                to_do
            };
            writeln!(
                f,
                "{:<11} {:<width$}  {:<9}  {}",
                table.placement, table.table, state, table.reason
            )?;
        }
        Ok(())
    }
}

/// The plan as `--dry-run` prints it.
impl fmt::Display for Plan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write_tables(f, "to do")?;
        match &self.anchor {
            Some(anchor) => writeln!(
                f,
                "\nDistributed tables: by {TENANT_COLUMN}, co-located with {anchor}."
            )?,
            None => writeln!(f, "\nNo table to distribute.")?,
        }
        let to_do = self.to_convert().count();
        if to_do == 0 {
            writeln!(f, "Nothing to do: every table is where the plan puts it.")
        } else {
            writeln!(
                f,
                "{to_do} tables to convert in one transaction; {} foreign keys dropped before \
                 and re-created after, as they were.",
                self.foreign_keys.len()
            )
        }
    }
}
