//! Data loading between views and the api module: each loader returns a
//! `LocalResource` and reports failures as `cadence:error` events, so components never
//! call the API or emit errors themselves.

use crate::api::{Api, ApiError};
use crate::events;
use cadence_contract::{Account, Product};
use leptos::prelude::*;
use web_sys::HtmlElement;

/// What views need to load data: the client and the element to report errors on.
#[derive(Clone)]
pub struct Loader {
    pub api: Api,
    pub host: HtmlElement,
}

impl Loader {
    pub fn product(&self, sku: String) -> LocalResource<Result<Product, ApiError>> {
        let this = self.clone();
        LocalResource::new(move || {
            let (this, sku) = (this.clone(), sku.clone());
            async move { this.report(this.api.product(&sku).await) }
        })
    }

    pub fn account(&self) -> LocalResource<Result<Account, ApiError>> {
        let this = self.clone();
        LocalResource::new(move || {
            let this = this.clone();
            async move { this.report(this.api.account().await) }
        })
    }

    fn report<T>(&self, result: Result<T, ApiError>) -> Result<T, ApiError> {
        if let Err(error) = &result {
            events::emit_error(&self.host, error.code(), &error.to_string());
        }
        result
    }
}
