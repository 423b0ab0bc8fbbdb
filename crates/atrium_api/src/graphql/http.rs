//! GraphQL over HTTP, as the GraphQL-over-HTTP draft has it
//! (graphql.github.io/graphql-over-http/draft).
//!
//! - `POST /graphql` takes a JSON body; `GET /graphql` takes the same
//!   parameters in the query string (`variables` and `extensions` as JSON
//!   text) and runs queries only: a mutation over GET is a 405.
//! - The answer is `application/json` (every well-formed request is a 200,
//!   as before the spec) or `application/graphql-response+json` (a request
//!   error, one that stops the operation before it runs, is a 400 without a
//!   `data` entry), whichever the client's `Accept` prefers.
//! - Apollo's automatic persisted queries work over both methods.
//! - A GET without a query serves GraphiQL to a client that takes HTML.
//!
//! Failures of the transport itself (a bad token, a wrong content type, an
//! `Accept` we cannot meet) are problems, as on every other route; a
//! malformed request is a problem for `application/json` clients and a
//! GraphQL response for `application/graphql-response+json` ones.

use std::sync::Arc;

use actix_web::http::header::{self, Accept, Header, HeaderValue, Quality};
use actix_web::http::StatusCode;
use actix_web::mime::Mime;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest, HttpResponse, ResponseError};
use async_graphql::extensions::apollo_persisted_queries::{
    ApolloPersistedQueries, LruCacheStorage,
};
use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextParseQuery};
use async_graphql::parser::types::{DocumentOperations, ExecutableDocument, OperationType};
use async_graphql::{Extensions, ServerError, ServerResult, Value, Variables};
use serde::{Deserialize, Serialize};

use super::{explain, RequestData};
use crate::context::RequestContext;
use crate::framework::body_error;
use crate::problem::ApiError;
use crate::state::AppState;

/// The media type of the spec's responses.
pub const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json";

/// How many queries APQ keeps (least recently used go first), and the
/// longest one it keeps: a longer query still runs, it is just not
/// persisted. Together they bound the cache, which all tenants share: a
/// query's text is not tenant data.
const APQ_ENTRIES: usize = 512;
const APQ_MAX_QUERY_BYTES: usize = 16 * 1024;

/// The APQ extension, with its in-memory cache.
pub(super) fn persisted_queries() -> ApolloPersistedQueries<LruCacheStorage> {
    ApolloPersistedQueries::new(LruCacheStorage::new(APQ_ENTRIES))
}

/// `POST /graphql`: one operation as a JSON body. Taking the body as bytes
/// keeps it under the same size limit as every other body; an array (a
/// batch) is not a request.
pub async fn post(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let answer = negotiate(&req, &[Answer::Json, Answer::GraphqlResponse])?;
    let is_json = req
        .mime_type()
        .ok()
        .flatten()
        .is_some_and(|mime| mime.essence_str() == "application/json");
    if !is_json {
        return Err(ApiError::UnsupportedMediaType(
            "send the body as application/json".into(),
        ));
    }
    let data = request_data(state, &req).await?;
    let params = serde_json::from_slice::<Params>(&body).map_err(|e| body_error(&e));
    run(answer, data, params, false).await
}

/// `GET /graphql`: a query in the query string, or GraphiQL for a browser.
pub async fn get(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let params = serde_urlencoded::from_str::<GetParams>(req.query_string());
    // Without a query there is nothing to run: HTML comes first then.
    let page = matches!(&params, Ok(p) if p.query.is_none() && p.extensions.is_none());
    let offers: &[Answer] = if page {
        &[Answer::Html, Answer::Json, Answer::GraphqlResponse]
    } else {
        &[Answer::Json, Answer::GraphqlResponse]
    };
    let answer = negotiate(&req, offers)?;
    if answer == Answer::Html {
        return graphiql(&state);
    }
    let data = request_data(state, &req).await?;
    let params = params
        .map_err(|e| ApiError::BadRequest {
            detail: format!("invalid query string: {e}"),
        })
        .and_then(GetParams::into_params);
    run(answer, data, params, true).await
}

/// The GraphiQL explorer, when the `graphiql` setting is on.
fn graphiql(state: &AppState) -> Result<HttpResponse, ApiError> {
    if !state.settings.graphiql {
        return Err(ApiError::NotFound("GraphiQL is not served".into()));
    }
    Ok(super::graphiql::page())
}

/// What the request knows before it runs: the host, and the caller behind
/// its bearer token (a bad token is a 401 before anything runs). Extracted
/// here rather than as a handler argument so that `Accept` and the content
/// type are checked first.
async fn request_data(
    state: web::Data<AppState>,
    req: &HttpRequest,
) -> Result<RequestData, ApiError> {
    let context = RequestContext::extract(req).await?;
    Ok(RequestData { state, context })
}

/// The parameters of a request, as a JSON body has them.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Params {
    query: Option<String>,
    operation_name: Option<String>,
    #[serde(default)]
    variables: Variables,
    #[serde(default)]
    extensions: Extensions,
}

/// The same parameters in a query string.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GetParams {
    query: Option<String>,
    operation_name: Option<String>,
    variables: Option<String>,
    extensions: Option<String>,
}

impl GetParams {
    fn into_params(self) -> Result<Params, ApiError> {
        fn json<T: Default + for<'de> Deserialize<'de>>(
            name: &str,
            text: Option<String>,
        ) -> Result<T, ApiError> {
            match text.filter(|t| !t.is_empty()) {
                None => Ok(T::default()),
                Some(text) => serde_json::from_str(&text).map_err(|e| ApiError::BadRequest {
                    detail: format!("{name} must be a JSON object: {e}"),
                }),
            }
        }
        Ok(Params {
            query: self.query,
            operation_name: self.operation_name.filter(|n| !n.is_empty()),
            variables: json("variables", self.variables)?,
            extensions: json("extensions", self.extensions)?,
        })
    }
}

impl Params {
    fn into_request(self) -> Result<async_graphql::Request, ApiError> {
        let Params {
            query,
            operation_name,
            variables,
            mut extensions,
        } = self;
        let persisted = extensions.contains_key("persistedQuery");
        // Only a persisted query's hash may stand for its text.
        let query = match query {
            Some(query) => query,
            None if persisted => String::new(),
            None => {
                return Err(ApiError::BadRequest {
                    detail: "the request has no query".into(),
                })
            }
        };
        if persisted && query.len() > APQ_MAX_QUERY_BYTES {
            extensions.remove("persistedQuery");
        }
        let mut request = async_graphql::Request::new(query).variables(variables);
        request.operation_name = operation_name;
        request.extensions = extensions;
        Ok(request)
    }
}

/// Runs a request and answers in the negotiated media type.
async fn run(
    answer: Answer,
    data: RequestData,
    params: Result<Params, ApiError>,
    over_get: bool,
) -> Result<HttpResponse, ApiError> {
    let request = match params.and_then(Params::into_request) {
        Ok(request) => request,
        Err(error) => return Ok(refuse(answer, error)),
    };
    let schema = data.state.graphql.clone();
    // Made for this request only: loaders must not cache across requests.
    let loaders = crate::organizations::loaders::for_request(&data.state, &data.context);
    let enrollments = crate::enrollments::loaders::for_request(&data.state, &data.context);
    let teams = crate::course_team::loaders::for_request(&data.state, &data.context);
    let mut request = request.data(data);
    if let Some(loaders) = loaders {
        request = request.data(loaders);
    }
    if let Some(enrollments) = enrollments {
        request = request.data(enrollments);
    }
    if let Some(teams) = teams {
        request = request.data(teams);
    }
    if over_get {
        let operation_name = request.operation_name.clone();
        request = request.data(OverGet { operation_name });
    }
    let mut response = schema.execute(request).await;
    response.errors.iter_mut().for_each(explain);
    if over_get
        && response
            .errors
            .iter()
            .any(|e| e.source::<MutationOverGet>().is_some())
    {
        let response = match answer {
            Answer::GraphqlResponse => graphql_errors(
                StatusCode::METHOD_NOT_ALLOWED,
                &response.errors,
                &response.extensions,
            ),
            _ => MutationOverGet::problem().error_response(),
        };
        return Ok(allow_post(response));
    }
    // A request error stops the operation before it runs: no data, and no
    // error points into the response. A field error always has a path.
    let request_error = response.data == Value::Null
        && !response.errors.is_empty()
        && response.errors.iter().all(|e| e.path.is_empty());
    Ok(match answer {
        Answer::GraphqlResponse if request_error => graphql_errors(
            StatusCode::BAD_REQUEST,
            &response.errors,
            &response.extensions,
        ),
        Answer::GraphqlResponse => HttpResponse::Ok()
            .content_type(GRAPHQL_RESPONSE_JSON)
            .json(response),
        _ => HttpResponse::Ok().json(response),
    })
}

/// A request that could not be read as a GraphQL request.
fn refuse(answer: Answer, error: ApiError) -> HttpResponse {
    match answer {
        Answer::GraphqlResponse => {
            let status = error.status_code();
            graphql_errors(status, &[request_error(error)], &Default::default())
        }
        _ => error.error_response(),
    }
}

/// An API error as a GraphQL request error: its code, no location, no path.
fn request_error(error: ApiError) -> ServerError {
    let mut server_error = ServerError::new(error.to_string(), None);
    server_error.source = Some(Arc::new(error));
    explain(&mut server_error);
    server_error
}

/// A GraphQL response of errors only, with no `data` entry.
fn graphql_errors(
    status: StatusCode,
    errors: &[ServerError],
    extensions: &std::collections::BTreeMap<String, Value>,
) -> HttpResponse {
    #[derive(Serialize)]
    struct Errors<'a> {
        errors: &'a [ServerError],
        #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
        extensions: &'a std::collections::BTreeMap<String, Value>,
    }
    HttpResponse::build(status)
        .content_type(GRAPHQL_RESPONSE_JSON)
        .json(Errors { errors, extensions })
}

fn allow_post(mut response: HttpResponse) -> HttpResponse {
    response
        .headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static("POST"));
    response
}

/// The media types a response can take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Answer {
    Json,
    GraphqlResponse,
    Html,
}

impl Answer {
    /// How specifically `range` names this media type (2 exactly, 1 by
    /// its type, 0 as `*/*`), or `None` if it does not.
    fn matched_by(self, range: &Mime) -> Option<u8> {
        let (type_, subtype) = match self {
            Answer::Json => ("application", "json"),
            Answer::GraphqlResponse => ("application", "graphql-response+json"),
            Answer::Html => ("text", "html"),
        };
        let range_subtype = match range.suffix() {
            Some(suffix) => format!("{}+{}", range.subtype(), suffix),
            None => range.subtype().to_string(),
        };
        match (range.type_().as_str(), range_subtype.as_str()) {
            ("*", "*") => Some(0),
            (t, "*") if t == type_ => Some(1),
            (t, s) if t == type_ && s == subtype => Some(2),
            _ => None,
        }
    }
}

/// The offer the client's `Accept` prefers (RFC 9110 §12.5.1): each offer
/// gets the quality of the most specific range that names it; the highest
/// quality wins, then the offer the client listed first, then ours (the
/// first offer is the default, as `*/*` or no `Accept` means no preference).
fn negotiate(req: &HttpRequest, offers: &[Answer]) -> Result<Answer, ApiError> {
    let ranges = Accept::parse(req)
        .map(|accept| accept.0)
        .unwrap_or_default();
    if ranges.is_empty() {
        return Ok(offers[0]);
    }
    let mut best: Option<(Quality, usize, Answer)> = None;
    for &offer in offers {
        // The most specific range naming the offer; the first of equals.
        let mut matched: Option<(u8, usize, Quality)> = None;
        for (index, range) in ranges.iter().enumerate() {
            if let Some(specificity) = offer.matched_by(&range.item) {
                if matched.is_none_or(|(s, _, _)| specificity > s) {
                    matched = Some((specificity, index, range.quality));
                }
            }
        }
        let Some((_, index, quality)) = matched.filter(|m| m.2 > Quality::ZERO) else {
            continue;
        };
        if best.is_none_or(|(q, i, _)| quality > q || (quality == q && index < i)) {
            best = Some((quality, index, offer));
        }
    }
    best.map(|(_, _, offer)| offer).ok_or_else(|| {
        ApiError::NotAcceptable(format!(
            "this endpoint answers in application/json or {GRAPHQL_RESPONSE_JSON}"
        ))
    })
}

/// Marks a request that came over GET, which may only read.
struct OverGet {
    operation_name: Option<String>,
}

/// The error that stops a mutation sent over GET (its source, to tell it
/// from any other error).
struct MutationOverGet;

impl MutationOverGet {
    fn problem() -> ApiError {
        ApiError::MethodNotAllowed {
            detail: "a mutation must be sent with POST".into(),
            allow: "POST".into(),
        }
    }
}

/// Refuses mutations over GET once the document is parsed, so that a
/// persisted query's hash cannot smuggle one in.
pub(super) struct QueriesOnlyOverGet;

impl ExtensionFactory for QueriesOnlyOverGet {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(QueriesOnlyOverGet)
    }
}

#[async_graphql::async_trait::async_trait]
impl Extension for QueriesOnlyOverGet {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let document = next.run(ctx, query, variables).await?;
        let Some(get) = ctx.data_opt::<OverGet>() else {
            return Ok(document);
        };
        // The operation async-graphql will pick (an unknown name is its
        // error to report, not ours).
        let operation = match (&document.operations, get.operation_name.as_deref()) {
            (DocumentOperations::Single(operation), None) => Some(operation),
            (DocumentOperations::Multiple(operations), Some(name)) => operations.get(name),
            (DocumentOperations::Multiple(operations), None) if operations.len() == 1 => {
                operations.values().next()
            }
            _ => None,
        };
        if operation.is_some_and(|o| o.node.ty == OperationType::Mutation) {
            let mut error = request_error(MutationOverGet::problem());
            error.source = Some(Arc::new(MutationOverGet));
            return Err(error);
        }
        Ok(document)
    }
}
