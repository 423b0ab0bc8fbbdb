//! The outgoing mail spool (platform table). Mail is enqueued inside the
//! tenant transaction that decides to send it, so a rolled-back change sends
//! nothing; a background worker claims due rows, sends them and deletes
//! them. On PostgreSQL a claim skips rows another replica holds locked
//! (`FOR UPDATE SKIP LOCKED`) and leases the rows it takes by moving their
//! `next_attempt_at` forward, so two replicas do not send the same mail.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::connection::DbConnection;
use crate::error::DbResult;
use crate::now;
use crate::schema::mail_outbox;
use crate::tenancy::{PlatformTx, TenantTx};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = mail_outbox)]
pub struct OutboxRow {
    pub id: i64,
    pub tenant_id: Option<i64>,
    pub sender: String,
    pub recipient: String,
    pub subject: String,
    pub body_text: String,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub last_error: Option<String>,
    pub created_at: NaiveDateTime,
}

pub struct NewMail<'a> {
    pub sender: &'a str,
    pub recipient: &'a str,
    pub subject: &'a str,
    pub body_text: &'a str,
}

/// Enqueues a mail of the transaction's tenant, due at once.
pub fn enqueue(tx: &mut TenantTx<'_>, mail: NewMail<'_>) -> DbResult<i64> {
    let at = now();
    Ok(diesel::insert_into(mail_outbox::table)
        .values((
            mail_outbox::tenant_id.eq(Some(tx.tenant())),
            mail_outbox::sender.eq(mail.sender),
            mail_outbox::recipient.eq(mail.recipient),
            mail_outbox::subject.eq(mail.subject),
            mail_outbox::body_text.eq(mail.body_text),
            mail_outbox::attempts.eq(0),
            mail_outbox::next_attempt_at.eq(at),
            mail_outbox::created_at.eq(at),
        ))
        .returning(mail_outbox::id)
        .get_result(tx.conn)?)
}

/// Claims up to `limit` due mails with fewer than `max_attempts` attempts:
/// they are not due again before `lease_until`, so a replica that dies
/// while sending leaves them to be retried then. Run it in a write
/// transaction (SQLite's `BEGIN IMMEDIATE` makes the claim exclusive there).
pub fn claim_due(
    tx: &mut PlatformTx<'_>,
    limit: i64,
    max_attempts: i32,
    lease_until: NaiveDateTime,
) -> DbResult<Vec<OutboxRow>> {
    let due = mail_outbox::table
        .filter(mail_outbox::next_attempt_at.le(now()))
        .filter(mail_outbox::attempts.lt(max_attempts))
        .order(mail_outbox::next_attempt_at)
        .select(mail_outbox::id)
        .limit(limit);
    // Row locks are PostgreSQL's; SQLite's write transaction already
    // excludes every other writer.
    let ids: Vec<i64> = match tx.conn {
        DbConnection::Postgres(pg) => due.for_update().skip_locked().load(pg)?,
        DbConnection::Sqlite(sqlite) => due.load(sqlite)?,
    };
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    diesel::update(mail_outbox::table.filter(mail_outbox::id.eq_any(&ids)))
        .set(mail_outbox::next_attempt_at.eq(lease_until))
        .execute(tx.conn)?;
    Ok(mail_outbox::table
        .filter(mail_outbox::id.eq_any(&ids))
        .order(mail_outbox::id)
        .select(OutboxRow::as_select())
        .load(tx.conn)?)
}

/// A mail was sent: it leaves the spool.
pub fn delivered(tx: &mut PlatformTx<'_>, id: i64) -> DbResult<()> {
    diesel::delete(mail_outbox::table.filter(mail_outbox::id.eq(id))).execute(tx.conn)?;
    Ok(())
}

/// A send failed: counted, with its error, due again at `retry_at`.
pub fn failed(
    tx: &mut PlatformTx<'_>,
    id: i64,
    error: &str,
    retry_at: NaiveDateTime,
) -> DbResult<()> {
    diesel::update(mail_outbox::table.filter(mail_outbox::id.eq(id)))
        .set((
            mail_outbox::attempts.eq(mail_outbox::attempts + 1),
            mail_outbox::last_error.eq(Some(error)),
            mail_outbox::next_attempt_at.eq(retry_at),
        ))
        .execute(tx.conn)?;
    Ok(())
}

/// Every mail in the spool, oldest first (inspection and tests).
pub fn list(tx: &mut PlatformTx<'_>, limit: i64) -> DbResult<Vec<OutboxRow>> {
    Ok(mail_outbox::table
        .order(mail_outbox::id)
        .limit(limit)
        .select(OutboxRow::as_select())
        .load(tx.conn)?)
}
