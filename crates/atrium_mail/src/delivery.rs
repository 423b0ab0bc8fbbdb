//! The delivery worker: one tokio task per process that claims due mail
//! from the spool, sends it, and deletes it once sent. Database work goes
//! through [`Db`]'s blocking pool and sending is async (lettre on tokio),
//! so the worker never blocks the runtime it shares with the server.
//!
//! A failed send is counted and retried later, waiting twice as long each
//! time (30 s, 1 min, 2 min, … at most an hour). After `max_attempts` the
//! mail stays in `mail_outbox` with its `last_error`, for an operator to
//! read (and delete, or set `attempts` back to 0 to try again); it is
//! logged at `error` then.

use std::path::PathBuf;
use std::time::Duration;

use atrium_core::redact_url;
use atrium_db::mail_outbox::{self, OutboxRow};
use atrium_db::{Access, Db};
use chrono::{NaiveDateTime, SubsecRound};
use lettre::message::header::ContentType;
use lettre::message::Mailbox;
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::{MailError, Outbox};

/// How long a claimed mail is left to its replica before another may try
/// it (an SMTP send gives up well before: lettre's timeout is a minute).
const LEASE: Duration = Duration::from_secs(300);
const FIRST_RETRY_SECS: i64 = 30;
const LAST_RETRY_SECS: i64 = 3_600;

/// Where mail goes (the `mail_transport` setting).
pub enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Folder {
        dir: PathBuf,
        transport: AsyncFileTransport<Tokio1Executor>,
    },
}

impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Transport::Smtp(_) => f.write_str("Transport::Smtp"),
            Transport::Folder { dir, .. } => write!(f, "Transport::Folder({})", dir.display()),
        }
    }
}

impl Transport {
    /// `smtp://…`, `smtps://…` or `file://DIR` (the folder is made if
    /// missing).
    pub fn from_setting(setting: &str) -> Result<Self, MailError> {
        let setting = setting.trim();
        if let Some(dir) = setting.strip_prefix("file://") {
            if dir.is_empty() {
                return Err(MailError::Transport("file:// needs a folder".into()));
            }
            let dir = PathBuf::from(dir);
            std::fs::create_dir_all(&dir).map_err(|e| {
                MailError::Transport(format!("cannot make the folder {}: {e}", dir.display()))
            })?;
            Ok(Transport::Folder {
                transport: AsyncFileTransport::new(&dir),
                dir,
            })
        } else if setting.starts_with("smtp://") || setting.starts_with("smtps://") {
            AsyncSmtpTransport::<Tokio1Executor>::from_url(setting)
                .map(|builder| Transport::Smtp(builder.build()))
                .map_err(|e| MailError::Transport(format!("{}: {e}", redact_url(setting))))
        } else {
            Err(MailError::Transport(format!(
                "{:?} must start with smtp://, smtps:// or file://",
                redact_url(setting)
            )))
        }
    }

    async fn send(&self, message: Message) -> Result<(), String> {
        match self {
            Transport::Smtp(smtp) => smtp
                .send(message)
                .await
                .map(drop)
                .map_err(|e| e.to_string()),
            Transport::Folder { transport, .. } => transport
                .send(message)
                .await
                .map(drop)
                .map_err(|e| e.to_string()),
        }
    }
}

#[derive(Debug, Clone)]
pub struct DeliveryOptions {
    /// Sends of one mail before it is given up.
    pub max_attempts: u32,
    /// How often the spool is looked at without a wake-up.
    pub poll: Duration,
    /// Mails claimed at once.
    pub batch: i64,
}

impl Default for DeliveryOptions {
    fn default() -> Self {
        Self {
            max_attempts: 10,
            poll: Duration::from_secs(5),
            batch: 20,
        }
    }
}

/// Starts the delivery worker on the current tokio runtime; it runs as
/// long as the runtime does.
pub fn spawn_delivery(
    db: Db,
    transport: Transport,
    outbox: Outbox,
    options: DeliveryOptions,
) -> tokio::task::JoinHandle<()> {
    tracing::info!(?transport, "mail delivery started");
    tokio::spawn(
        Worker {
            db,
            transport,
            outbox,
            options,
        }
        .run(),
    )
}

struct Worker {
    db: Db,
    transport: Transport,
    outbox: Outbox,
    options: DeliveryOptions,
}

fn now() -> NaiveDateTime {
    chrono::Utc::now().naive_utc().trunc_subsecs(6)
}

/// The wait after the `attempts`-th failure.
fn backoff(attempts: i32) -> chrono::Duration {
    let doublings = attempts.saturating_sub(1).clamp(0, 12) as u32;
    chrono::Duration::seconds((FIRST_RETRY_SECS << doublings).min(LAST_RETRY_SECS))
}

impl Worker {
    async fn run(self) {
        loop {
            let full = match self.claim().await {
                Ok(rows) => {
                    let full = rows.len() as i64 >= self.options.batch;
                    for row in rows {
                        self.deliver(row).await;
                    }
                    full
                }
                Err(e) => {
                    tracing::warn!(error = %e, "mail spool unreachable; retrying");
                    false
                }
            };
            if !full {
                let _ = tokio::time::timeout(self.options.poll, self.outbox.wake.notified()).await;
            }
        }
    }

    async fn claim(&self) -> Result<Vec<OutboxRow>, MailError> {
        let (batch, max) = (self.options.batch, self.options.max_attempts as i32);
        let lease_until = now() + chrono::Duration::from_std(LEASE).unwrap_or_default();
        Ok(self
            .db
            .platform(Access::Write, move |tx| {
                mail_outbox::claim_due(tx, batch, max, lease_until)
            })
            .await?)
    }

    async fn deliver(&self, row: OutboxRow) {
        let id = row.id;
        let sent = match message(&row) {
            Ok(message) => self.transport.send(message).await,
            Err(e) => Err(e),
        };
        let recorded = match sent {
            Ok(()) => {
                tracing::info!(mail = id, tenant = row.tenant_id, "mail sent");
                self.db
                    .platform(Access::Write, move |tx| mail_outbox::delivered(tx, id))
                    .await
            }
            Err(error) => {
                let attempts = row.attempts + 1;
                if attempts >= self.options.max_attempts as i32 {
                    tracing::error!(mail = id, attempts, %error, "mail given up; kept in mail_outbox");
                } else {
                    tracing::warn!(mail = id, attempts, %error, "mail not sent; will retry");
                }
                let retry_at = now() + backoff(attempts);
                self.db
                    .platform(Access::Write, move |tx| {
                        mail_outbox::failed(tx, id, &error, retry_at)
                    })
                    .await
            }
        };
        if let Err(e) = recorded {
            // The lease runs out and the mail is tried again: at worst a
            // sent mail is sent twice, with the same Message-ID.
            tracing::warn!(mail = id, error = %e, "could not record a delivery");
        }
    }
}

/// The RFC 5322 message of a spooled mail. Its `Message-ID` depends only
/// on the row, so a retry repeats it.
fn message(row: &OutboxRow) -> Result<Message, String> {
    let from: Mailbox = row
        .sender
        .parse()
        .map_err(|e| format!("sender {:?}: {e}", row.sender))?;
    let to: Mailbox = row
        .recipient
        .parse()
        .map_err(|e| format!("recipient {:?}: {e}", row.recipient))?;
    let message_id = format!(
        "<atrium.{}.{}@{}>",
        row.id,
        row.created_at.and_utc().timestamp_micros(),
        from.email.domain()
    );
    Message::builder()
        .from(from)
        .to(to)
        .subject(row.subject.clone())
        .message_id(Some(message_id))
        .header(ContentType::TEXT_PLAIN)
        .body(row.body_text.clone())
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_wait_longer_each_time_up_to_an_hour() {
        let waits: Vec<i64> = (1..=10).map(|n| backoff(n).num_seconds()).collect();
        assert_eq!(waits, [30, 60, 120, 240, 480, 960, 1920, 3600, 3600, 3600]);
    }

    #[test]
    fn transports_are_read_from_the_setting() {
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join("mail");
        let setting = format!("file://{}", folder.display());
        assert!(matches!(
            Transport::from_setting(&setting),
            Ok(Transport::Folder { .. })
        ));
        assert!(folder.is_dir(), "the folder is made");
        assert!(matches!(
            Transport::from_setting("smtp://user:pw@mail.example.org:2525"),
            Ok(Transport::Smtp(_))
        ));
        assert!(matches!(
            Transport::from_setting("smtps://mail.example.org"),
            Ok(Transport::Smtp(_))
        ));
        let refused = Transport::from_setting("imap://user:s3cret@mail.example.org")
            .unwrap_err()
            .to_string();
        assert!(!refused.contains("s3cret"), "{refused}");
        assert!(Transport::from_setting("file://").is_err());
    }

    #[test]
    fn a_spooled_row_becomes_a_plain_text_message() {
        let row = OutboxRow {
            id: 7,
            tenant_id: Some(1),
            sender: "\"Acme Learning\" <noreply@acme.test>".into(),
            recipient: "ada@acme.test".into(),
            subject: "Reset your password".into(),
            body_text: "Open https://acme.test/reset-password?token=abc\n".into(),
            attempts: 0,
            next_attempt_at: now(),
            last_error: None,
            created_at: now(),
        };
        let text = String::from_utf8(message(&row).unwrap().formatted()).unwrap();
        assert!(
            text.contains("From: \"Acme Learning\" <noreply@acme.test>"),
            "{text}"
        );
        assert!(text.contains("To: ada@acme.test"), "{text}");
        assert!(text.contains("Message-ID: <atrium.7."), "{text}");
        assert!(text.contains("token=abc"), "{text}");
    }
}
