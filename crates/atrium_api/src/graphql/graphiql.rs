//! The GraphiQL explorer, served from the binary: its page and the
//! vendored React, ReactDOM and GraphiQL builds (`assets/graphiql/`, with
//! their licences), so that it works without internet access, behind a
//! firewall as well as on a laptop on a train. The page names no external
//! URL. Whether it is served at all is the `graphiql` setting.

use actix_web::http::header;
use actix_web::{web, HttpResponse};

use crate::problem::ApiError;

/// The vendored files: name (versioned, so cached as immutable), content
/// type, bytes.
const FILES: &[(&str, &str, &[u8])] = &[
    (
        "react-18.3.1.production.min.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../assets/graphiql/react-18.3.1.production.min.js"),
    ),
    (
        "react-dom-18.3.1.production.min.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../assets/graphiql/react-dom-18.3.1.production.min.js"),
    ),
    (
        "graphiql-3.9.0.min.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../assets/graphiql/graphiql-3.9.0.min.js"),
    ),
    (
        "graphiql-3.9.0.min.css",
        "text/css; charset=utf-8",
        include_bytes!("../../assets/graphiql/graphiql-3.9.0.min.css"),
    ),
    (
        "LICENSE-graphiql",
        "text/plain; charset=utf-8",
        include_bytes!("../../assets/graphiql/LICENSE-graphiql"),
    ),
    (
        "LICENSE-react",
        "text/plain; charset=utf-8",
        include_bytes!("../../assets/graphiql/LICENSE-react"),
    ),
    (
        "LICENSE-react-dom",
        "text/plain; charset=utf-8",
        include_bytes!("../../assets/graphiql/LICENSE-react-dom"),
    ),
];

/// The page: the vendored scripts by relative-to-host path, and a few lines
/// that mount GraphiQL on `/graphql` (its Headers tab takes a bearer token).
const PAGE: &str = r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Atrium GraphiQL</title>
<link rel="stylesheet" href="/graphql/assets/graphiql-3.9.0.min.css">
<style>body { margin: 0; } #graphiql { height: 100vh; }</style>
</head>
<body>
<div id="graphiql">Loading GraphiQL…</div>
<script src="/graphql/assets/react-18.3.1.production.min.js"></script>
<script src="/graphql/assets/react-dom-18.3.1.production.min.js"></script>
<script src="/graphql/assets/graphiql-3.9.0.min.js"></script>
<script>
  const fetcher = GraphiQL.createFetcher({ url: "/graphql" });
  ReactDOM.createRoot(document.getElementById("graphiql")).render(
    React.createElement(GraphiQL, { fetcher, defaultEditorToolsVisibility: true })
  );
</script>
</body>
</html>
"#;

/// The page, for `GET /graphql` from a browser.
pub fn page() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body(PAGE)
}

/// `GET /graphql/assets/{name}`: a vendored file, cacheable for a year (a
/// new version is a new name).
pub async fn asset(
    state: web::Data<crate::state::AppState>,
    name: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    if !state.settings.graphiql {
        return Err(ApiError::NotFound("GraphiQL is not served".into()));
    }
    let (_, content_type, bytes) = FILES
        .iter()
        .find(|(file, _, _)| *file == name.as_str())
        .ok_or_else(|| ApiError::NotFound("no such GraphiQL asset".into()))?;
    Ok(HttpResponse::Ok()
        .content_type(*content_type)
        .insert_header((header::CACHE_CONTROL, "public, max-age=31536000, immutable"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .body(*bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_loads_only_what_the_binary_serves() {
        assert!(!PAGE.contains("http://") && !PAGE.contains("https://"));
        let assets = "/graphql/assets/";
        for src in PAGE.split(['"']).filter(|s| s.starts_with(assets)) {
            let name = &src[assets.len()..];
            assert!(
                FILES.iter().any(|(file, _, _)| *file == name),
                "{name} is not vendored"
            );
        }
    }
}
