//! HTTP routes of the password reset flow (see docs/design/password-reset.md).

use axum::Router;
use axum::routing::post;

use super::handlers::{forgot_password, reset_password};

pub fn password_routes() -> Router {
    Router::new()
        .route("/password/forgot", post(forgot_password))
        .route("/password/reset", post(reset_password))
}
