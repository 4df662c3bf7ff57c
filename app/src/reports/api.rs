//! Server functions for the report page: the review and saving it.

use leptos::prelude::*;

use super::{Review, ReviewInput};
use crate::errors::AppResult;
#[cfg(feature = "ssr")]
use {super::service, crate::accounts::context, crate::cases::service as cases};

#[server(prefix = "/rpc", endpoint = "case_review")]
pub async fn case_review(number: String) -> AppResult<(String, Review)> {
    let (p, actor) = context::current_actor().await?;
    Ok(service::review_page(&p, &actor, &number).await?)
}

#[server(prefix = "/rpc", endpoint = "save_case_review")]
pub async fn save_case_review(number: String, review: ReviewInput) -> AppResult<Review> {
    let (p, actor) = context::current_actor().await?;
    let case = cases::find(&p, &actor, &number).await?;
    Ok(service::save_review(&p, &actor, case.case_id, review).await?)
}
