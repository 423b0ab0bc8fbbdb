//! Request ids, one log line per request, and the Prometheus metrics they
//! feed (served by `operations`).

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{web, HttpMessage};
use atrium_core::CacheReport;
use atrium_sites::Resolution;
use prometheus::core::{Collector, Desc};
use prometheus::proto::MetricFamily;
use prometheus::{
    Encoder, Histogram, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge,
    IntGaugeVec, Opts, Registry, TextEncoder,
};

use crate::problem::ApiError;
use crate::state::AppState;

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The id of the request being served, in its extensions: what a log line
/// written while serving it names, so it joins the request's own line.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
    pool_connections: IntGauge,
    pool_idle: IntGauge,
    /// Fed by [`atrium_db::Db::on_connection_wait`].
    connection_wait: Histogram,
    /// Follows [`atrium_db::Db::statements_executed`]; the lock keeps two
    /// renders from adding the same statements twice.
    statements: std::sync::Mutex<IntCounter>,
    /// Where the caches' reports are read at each render.
    cache_sources: Arc<Mutex<Vec<CacheSource>>>,
}

/// Reports of some caches, as they stand when called.
type CacheSource = Box<dyn Fn() -> Vec<CacheReport> + Send + Sync>;

/// `atrium_cache_requests_total{cache, result}` and
/// `atrium_cache_entries{cache}`, read from the caches' own counters when
/// scraped: the hot path counts with atomics alone, and nothing here is
/// copied or locked between scrapes.
struct CacheCollector {
    sources: Arc<Mutex<Vec<CacheSource>>>,
    descs: Vec<Desc>,
}

impl CacheCollector {
    fn new(sources: Arc<Mutex<Vec<CacheSource>>>) -> Self {
        let (requests, entries) = Self::empty_families();
        let descs = (requests.desc().into_iter())
            .chain(entries.desc())
            .cloned()
            .collect();
        Self { sources, descs }
    }

    fn empty_families() -> (IntCounterVec, IntGaugeVec) {
        let requests = IntCounterVec::new(
            Opts::new(
                "atrium_cache_requests_total",
                "Lookups of the hot-path caches: answered from memory (hit) or not (miss)",
            ),
            &["cache", "result"],
        )
        .expect("valid metric");
        let entries = IntGaugeVec::new(
            Opts::new(
                "atrium_cache_entries",
                "Entries held by each hot-path cache",
            ),
            &["cache"],
        )
        .expect("valid metric");
        (requests, entries)
    }
}

impl Collector for CacheCollector {
    fn desc(&self) -> Vec<&Desc> {
        self.descs.iter().collect()
    }

    fn collect(&self) -> Vec<MetricFamily> {
        let (requests, entries) = Self::empty_families();
        let sources = self.sources.lock().unwrap_or_else(PoisonError::into_inner);
        for report in sources.iter().flat_map(|source| source()) {
            (requests.with_label_values(&[report.cache, "hit"])).inc_by(report.hits);
            (requests.with_label_values(&[report.cache, "miss"])).inc_by(report.misses);
            (entries.with_label_values(&[report.cache]))
                .set(i64::try_from(report.entries).unwrap_or(i64::MAX));
        }
        let mut families = requests.collect();
        families.extend(entries.collect());
        families
    }
}

impl Metrics {
    pub fn new() -> Self {
        let registry = Registry::new();
        let requests = IntCounterVec::new(
            Opts::new(
                "atrium_http_requests_total",
                "HTTP requests by route, method and status",
            ),
            &["route", "method", "status"],
        )
        .expect("valid metric");
        let latency = HistogramVec::new(
            HistogramOpts::new(
                "atrium_http_request_duration_seconds",
                "HTTP request latency by route",
            )
            .buckets(vec![
                0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
            ]),
            &["route"],
        )
        .expect("valid metric");
        let pool_connections =
            IntGauge::new("atrium_db_pool_connections", "Open database connections")
                .expect("valid metric");
        let pool_idle = IntGauge::new(
            "atrium_db_pool_idle_connections",
            "Idle database connections",
        )
        .expect("valid metric");
        let connection_wait = Histogram::with_opts(
            HistogramOpts::new(
                "atrium_db_connection_wait_seconds",
                "How long database work waited for its connection (pool permit, blocking thread, checkout)",
            )
            .buckets(vec![
                0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
                1.0, 2.5,
            ]),
        )
        .expect("valid metric");
        let statements = IntCounter::new(
            "atrium_db_statements_total",
            "SQL statements started by the pool's connections",
        )
        .expect("valid metric");
        for collector in [
            Box::new(requests.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(latency.clone()),
            Box::new(pool_connections.clone()),
            Box::new(pool_idle.clone()),
            Box::new(connection_wait.clone()),
            Box::new(statements.clone()),
        ] {
            registry
                .register(collector)
                .expect("metric registered once");
        }
        let cache_sources = Arc::default();
        registry
            .register(Box::new(CacheCollector::new(Arc::clone(&cache_sources))))
            .expect("metric registered once");
        Self {
            cache_sources,
            registry,
            requests,
            latency,
            pool_connections,
            pool_idle,
            connection_wait,
            statements: std::sync::Mutex::new(statements),
        }
    }

    /// Records in these metrics how long `db`'s work waits for connections.
    pub fn follow_connection_waits(&self, db: &atrium_db::Db) {
        let histogram = self.connection_wait.clone();
        db.on_connection_wait(move |waited| histogram.observe(waited.as_secs_f64()));
    }

    /// Shows in these metrics the caches `reports` describes, read at
    /// each render.
    pub fn follow_caches(&self, reports: impl Fn() -> Vec<CacheReport> + Send + Sync + 'static) {
        self.cache_sources
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(Box::new(reports));
    }
}

impl Metrics {
    /// The text exposition of every metric, with the pool gauges read now.
    pub fn render(&self, db: &atrium_db::Db) -> Result<Vec<u8>, ApiError> {
        let (connections, idle) = db.pool_state();
        self.pool_connections.set(i64::from(connections));
        self.pool_idle.set(i64::from(idle));
        {
            let statements = self
                .statements
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let executed = db.statements_executed();
            statements.inc_by(executed.saturating_sub(statements.get()));
        }
        let mut buffer = Vec::new();
        TextEncoder::new()
            .encode(&self.registry.gather(), &mut buffer)
            .map_err(|e| ApiError::Internal(e.to_string()))?;
        Ok(buffer)
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

fn request_id(req: &ServiceRequest) -> String {
    req.headers()
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty() && v.len() <= 128 && v.bytes().all(|b| b.is_ascii_graphic()))
        .map(str::to_owned)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string())
}

/// Outermost middleware: tags the request with an id, then logs and
/// counts its outcome.
pub async fn observe(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let started = Instant::now();
    let id = request_id(&req);
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let method = req.method().to_string();
    req.extensions_mut().insert(RequestId(id.clone()));
    // The audit log records the request id of every change made meanwhile.
    let mut response =
        atrium_audit::with_request_id(std::sync::Arc::from(id.as_str()), next.call(req))
            .await?
            .map_into_boxed_body();
    let elapsed = started.elapsed();
    let route = response
        .request()
        .match_pattern()
        .unwrap_or_else(|| "unmatched".to_owned());
    let status = response.status().as_u16();
    let tenant = match response.request().extensions().get::<Resolution>() {
        Some(Resolution::Tenant(entry)) => entry.tenant_slug.clone(),
        Some(Resolution::Platform) => "platform".to_owned(),
        _ => "-".to_owned(),
    };
    if let Some(state) = state {
        state
            .metrics
            .requests
            .with_label_values(&[&route, &method, &status.to_string()])
            .inc();
        state
            .metrics
            .latency
            .with_label_values(&[&route])
            .observe(elapsed.as_secs_f64());
    }
    tracing::info!(
        request_id = %id,
        tenant = %tenant,
        method = %method,
        route = %route,
        status,
        duration_ms = elapsed.as_secs_f64() * 1000.0,
        "request"
    );
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(REQUEST_ID, value);
    }
    Ok(response)
}
