//! The OpenAPI 3.1 document, generated from the handlers and the contract types: the
//! contract other backends implement, served at `GET /api/v1/openapi.json`.

use crate::routes::{
    calendar, changes, consents, events, health, me, merchant, products, recommendations,
    reminders, routines, subscriptions, withdraw,
};
use crate::webhooks::openapi::WebhookDocs;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use std::sync::OnceLock;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Cadence API",
        description = "Subscriptions, routines and recommendations for the Cadence storefront widget. \
            Every error is an RFC 9457 problem (application/problem+json).",
    ),
    paths(
        health::health,
        health::ready,
        health::metrics,
        products::get_product,
        me::get_me,
        subscriptions::create_subscription,
        subscriptions::get_subscription,
        changes::post_change,
        changes::list_changes,
        consents::list_consents,
        withdraw::post_withdraw,
        calendar::plan_ics,
        calendar::me_calendar,
        calendar::reset_calendar,
        calendar::calendar_feed,
        routines::post_done,
        routines::post_reminders,
        reminders::post_machine_reminders,
        reminders::post_follow,
        recommendations::get_recommendations,
        events::post_events,
        merchant::get_metrics,
        merchant::revoke_customer,
        crate::admin::keys::create_key,
        crate::admin::keys::list_keys,
        crate::admin::keys::revoke_key,
        crate::admin::catalog::put_product,
        crate::admin::catalog::get_product,
        crate::admin::customers::put_customer,
        crate::admin::customers::get_customer,
        crate::admin::privacy::export_customer,
        crate::admin::privacy::erase_customer,
        crate::admin::customers::put_owned,
        crate::admin::customers::delete_owned,
        crate::admin::history::put_order,
        crate::admin::history::get_order,
        crate::admin::import::post_import,
        crate::admin::export::export_changes,
        crate::admin::export::export_cancel_reasons,
        crate::admin::export::export_orders,
        crate::admin::export_consents::export_consents,
        crate::admin::orders::list_orders,
        crate::admin::orders::post_outcome,
        crate::admin::price_changes::post_price_change,
        crate::admin::price_changes::list_price_changes,
        crate::webhooks::routes::create_endpoint,
        crate::webhooks::routes::list_endpoints,
        crate::webhooks::routes::get_endpoint,
        crate::webhooks::routes::update_endpoint,
        crate::webhooks::routes::delete_endpoint,
        crate::webhooks::routes::rotate_secret,
        crate::webhooks::log::list_deliveries,
        crate::webhooks::log::replay,
        crate::admin::routines::post_done,
        crate::notify::routes::get_settings,
        crate::notify::routes::put_settings,
        crate::notify::routes::list,
        openapi_json,
    ),
    // Every schema a path's body or response reaches is collected from the paths (utoipa
    // walks them recursively), so a new type cannot be forgotten. Listed here only what no
    // path reaches: the routine plan the widget computes locally from the contract
    // (`build_plan`), which other front ends need to compute it the same way.
    components(schemas(
        cadence_contract::RoutinePlan,
        cadence_contract::PlanEvent,
        cadence_contract::PlanEventKind,
        cadence_contract::PlanChoice,
        cadence_contract::CadenceAdvice,
        // The records of the admin imports' and exports' lines (NDJSON, described in
        // words in those operations, whose bodies are text).
        crate::admin::records::SubscriptionRecord,
        crate::db::admin_data::exports::ChangeRow,
        crate::db::admin_data::exports::CancelReasonRow,
        crate::admin::export::OrderExport,
        crate::admin::export::OrderExportLine,
    )),
    modifiers(&BearerScheme, &DemoPaths, &LimitAnswers, &WebhookDocs),
    tags(
        (name = "catalog", description = "Products and their subscription offers"),
        (name = "account", description = "The signed-in customer"),
        (name = "subscriptions", description = "Subscribe & save, self-service"),
        (name = "recommendations", description = "Explained recommendations and the widget's UI events"),
        (name = "merchant", description = "The merchant's figures, behind the merchant key"),
        (name = "webhooks", description = "The merchant's webhook endpoints, their delivery logs and replay; the events themselves are under `webhooks`"),
        (name = "meta", description = "Health, readiness, operator metrics and this document"),
    )
)]
pub struct ApiDoc;

/// The demo's clock control (`admin::demo`), in a demo build's document only: a
/// production build has no such route. Before `LimitAnswers`, which it needs too.
struct DemoPaths;

impl Modify for DemoPaths {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        #[cfg(feature = "demo")]
        {
            #[derive(OpenApi)]
            #[openapi(paths(crate::admin::demo::post_clock))]
            struct DemoDoc;
            openapi.merge(DemoDoc::openapi());
        }
        #[cfg(not(feature = "demo"))]
        let _ = openapi;
    }
}

/// The answers any operation may give because of the server's limits (`Limits`): 429
/// when a client goes over a rate (not `/health` or `/ready`, which are exempt), 503 when the
/// database cannot be had in time, 408 when a request takes too long. Added to every
/// operation here rather than written on each, so a new route cannot forget them.
struct LimitAnswers;

impl Modify for LimitAnswers {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
        let problem = |description: &str| {
            ResponseBuilder::new()
                .description(description)
                .content(
                    "application/problem+json",
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name("Problem")))
                        .build(),
                )
                .build()
        };
        for (path, item) in openapi.paths.paths.iter_mut() {
            let operations = [
                &mut item.get,
                &mut item.post,
                &mut item.put,
                &mut item.patch,
                &mut item.delete,
            ];
            for operation in operations.into_iter().flatten() {
                let responses = &mut operation.responses.responses;
                let mut add = |status: &str, description: &str| {
                    responses
                        .entry(status.to_owned())
                        .or_insert_with(|| problem(description).into());
                };
                // `/health` is exempt from the rate limit and touches no database.
                if path == "/api/v1/health" {
                    continue;
                }
                // `/ready` is exempt from the rate limit too: load balancers poll it.
                if path != "/api/v1/ready" {
                    add("429", "Too many requests from this client, customer or origin; retry after Retry-After seconds");
                }
                add(
                    "408",
                    "The request took longer than the server's request timeout",
                );
                add(
                    "503",
                    "The database is saturated or unreachable; retry after Retry-After seconds",
                );
            }
        }
    }
}

/// The `customer_token` scheme (an HS256 JWT minted by the merchant's backend) and the
/// `merchant_key` scheme (the server's `--merchant-key`, for the merchant's back office).
struct BearerScheme;

impl Modify for BearerScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "customer_token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some(
                        "HS256 JWT signed by the merchant: `sub` = customer id, `exp` required.",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "merchant_key",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "The server's merchant key (`--merchant-key` / `CADENCE_MERCHANT_KEY`), \
                         for the merchant's back office only: never put it in a page.",
                    ))
                    .build(),
            ),
        );
    }
}

/// The document as served: generated and serialized on first use, then the same bytes for
/// the life of the process (it only changes with the code; building it walks every
/// handler's and type's schema, which was most of each request's cost).
pub fn openapi_bytes() -> &'static str {
    static DOCUMENT: OnceLock<String> = OnceLock::new();
    DOCUMENT.get_or_init(|| {
        serde_json::to_string(&ApiDoc::openapi())
            .expect("the OpenAPI document serializes (it holds no maps with non-string keys)")
    })
}

/// This OpenAPI document.
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "meta",
    responses((status = 200, description = "The OpenAPI 3.1 document", content_type = "application/json")))]
pub async fn openapi_json() -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        openapi_bytes(),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every schema the document has listed (when the list was kept by hand) is still
    /// there, and nothing else: a schema that drops out, or a new one, shows up here.
    #[test]
    fn the_document_lists_every_schema() {
        let doc = ApiDoc::openapi();
        let keys: Vec<String> = doc.components.unwrap().schemas.into_keys().collect();
        let expected = "Account AdminKey AdminKeyList CadenceAdvice CalendarFeed CancelReason \
            CancelReasonCounts CancelReasonMetrics CancelReasonMonth CancelReasonRow \
            ChangeRecord ChangeRequest ChangeRow ChangeSummary ChangeVia CommunityChoice \
            CreatedAdminKey CreatedWebhookEndpoint Customer CustomerOrigin CustomerRecord \
            Date DeliveryState Engagement Event EventType ExtraItem FieldError Health \
            ImportReport Interval IntervalUnit LineError MerchantMetrics Money NewAdminKey \
            NewSubscription NewWebhookEndpoint OfferRecord Order OrderEvent OrderEventData \
            OrderExport OrderExportLine \
            OrderLine OrderLineRecord OrderList OrderOrigin OrderOutcome OrderRecord \
            OrderStatus OwnedItem OwnedRecord OwnedRoutine Ownership PlanChoice PlanEvent \
            PlanEventKind Problem Product ProductKind ProductRecord ProductTexts Ready ReasonCode \
            Recommendation RecommendationAction RecommendationMetrics RecommendationSource \
            Recommendations ReplayQueued ReplayRequest RepurchaseCohort RepurchaseMetrics \
            RepurchaseRate Revocation RotateSecret Routine RoutinePlan RoutineTask \
            RoutineTaskDoneData RoutineTaskDoneEvent Scope StoredCustomer StoredOrder \
            StoredProduct Subscription SubscriptionChange SubscriptionCounts \
            SubscriptionEvent SubscriptionEventData SubscriptionMetrics SubscriptionMonth \
            SubscriptionOffer SubscriptionRecord SubscriptionSnapshot SubscriptionStatus \
            SwapOption TaskDone TaskRecord UiEvent UiEventKind UiEvents UpcomingDelivery \
            UsageQuestion UsageRecord WebhookAttempt WebhookDelivery WebhookDeliveryList \
            WebhookEndpoint WebhookEndpointList WebhookEndpointUpdate \
            MailBrand MailSender NotificationChannel NotificationChannels NotificationData \
            NotificationEntry NotificationEvent NotificationKind NotificationLinks \
            NotificationList NotificationSettings ReceiptChange RenderedMessage \
            ReminderChoice RoutineReminder PartOffer RoutineDueData RoutineLinks \
            RoutineDueEvent FollowByEmail FollowRequested MachineReminders RepurchaseGroup \
            ComingPrice PriceChange PriceChangeRequest PriceChangeOutcome PriceChangeList \
            PriceChangeNotice ConsentRecord ConsentList Erasure CancellationEventData \
            CancellationEvent";
        let mut expected: Vec<&str> = expected.split_whitespace().collect();
        expected.sort_unstable();
        // The demo's clock control (`admin::demo`) is in a demo build's document only.
        if cfg!(feature = "demo") {
            expected.extend(["ClockAdvance", "ClockMoved", "RunSummary"]);
            expected.sort_unstable();
        }
        assert_eq!(keys, expected);
    }

    /// The change body shows `via` beside the change (flattened), as it travels.
    #[test]
    fn the_change_body_shows_via() {
        let doc = serde_json::to_value(ApiDoc::openapi()).unwrap();
        let body = &doc["paths"]["/api/v1/me/subscriptions/{id}/changes"]["post"]["requestBody"];
        assert_eq!(
            body["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/ChangeRequest"
        );
        let schema = doc["components"]["schemas"]["ChangeRequest"].to_string();
        assert!(
            schema.contains("#/components/schemas/SubscriptionChange"),
            "{schema}"
        );
        assert!(
            schema.contains("#/components/schemas/ChangeVia"),
            "{schema}"
        );
    }
}
