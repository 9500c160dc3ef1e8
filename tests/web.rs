//! Widget tests in a real headless Chromium (wasm-bindgen-test): mount into a shadow root
//! with `window.fetch` stubbed, and check what a shopper would see and what the host
//! page's code would hear.
#![cfg(target_arch = "wasm32")]

use cadence_contract::{
    Account, Customer, Interval, Money, OwnedRoutine, Ownership, Product, ProductKind, Routine,
    RoutineTask, Subscription, SubscriptionOffer, SubscriptionStatus,
};
use js_sys::{Array, Function, Promise, Reflect};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;
use web_sys::{HtmlElement, ShadowRoot, ShadowRootInit, ShadowRootMode};

wasm_bindgen_test_configure!(run_in_browser);

const API: &str = "https://api.cadence.test/api/v1";

fn window() -> web_sys::Window {
    web_sys::window().unwrap()
}

/// Replaces `window.fetch` with one answering every request with `status` and `body`,
/// and recording each request's URL, Authorization and Accept-Language headers in
/// `window.__requests`.
fn stub_fetch(status: u16, body: &str) {
    let make = Function::new_with_args(
        "body, status",
        "window.__requests = [];
         return async (input, init) => {
           const req = new Request(input, init);
           window.__requests.push({ url: req.url, auth: req.headers.get('authorization'),
             lang: req.headers.get('accept-language') });
           return new Response(body, { status, headers: { 'content-type': 'application/json' } });
         };",
    );
    let fetch = make
        .call2(&JsValue::NULL, &body.into(), &status.into())
        .unwrap();
    Reflect::set(&window(), &"fetch".into(), &fetch).unwrap();
}

fn requests() -> Vec<(String, Option<String>)> {
    let list: Array = Reflect::get(&window(), &"__requests".into())
        .unwrap()
        .into();
    list.iter()
        .map(|r| {
            let url = Reflect::get(&r, &"url".into())
                .unwrap()
                .as_string()
                .unwrap();
            let auth = Reflect::get(&r, &"auth".into()).unwrap().as_string();
            (url, auth)
        })
        .collect()
}

/// The `Accept-Language` of each request `stub_fetch` answered.
fn languages() -> Vec<Option<String>> {
    let list: Array = Reflect::get(&window(), &"__requests".into())
        .unwrap()
        .into();
    list.iter()
        .map(|r| Reflect::get(&r, &"lang".into()).unwrap().as_string())
        .collect()
}

async fn sleep(ms: i32) {
    let promise = Promise::new(&mut |resolve, _| {
        window()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms)
            .unwrap();
    });
    JsFuture::from(promise).await.unwrap();
}

/// A `<cadence-widget>`-like host with `attrs`, a shadow root and a container in it.
fn host(attrs: &[(&str, &str)]) -> (HtmlElement, ShadowRoot, HtmlElement) {
    let doc = window().document().unwrap();
    let host: HtmlElement = doc
        .create_element("cadence-test-host")
        .unwrap()
        .dyn_into()
        .unwrap();
    for (k, v) in attrs {
        host.set_attribute(k, v).unwrap();
    }
    doc.body().unwrap().append_child(&host).unwrap();
    let root = host
        .attach_shadow(&ShadowRootInit::new(ShadowRootMode::Open))
        .unwrap();
    let container: HtmlElement = doc.create_element("div").unwrap().dyn_into().unwrap();
    root.append_child(&container).unwrap();
    (host, root, container)
}

/// Collects the `cadence:*` events of `name` that reach `document`.
fn listen(name: &str) -> Rc<RefCell<Vec<JsValue>>> {
    let seen = Rc::new(RefCell::new(Vec::new()));
    let sink = seen.clone();
    let cb = Closure::<dyn FnMut(web_sys::CustomEvent)>::new(move |e: web_sys::CustomEvent| {
        sink.borrow_mut().push(e.detail())
    });
    window()
        .document()
        .unwrap()
        .add_event_listener_with_callback(name, cb.as_ref().unchecked_ref())
        .unwrap();
    cb.forget();
    seen
}

/// Waits (up to 5 s) for `selector` to match inside `root`, returning its text.
async fn text_of(root: &ShadowRoot, selector: &str) -> String {
    for _ in 0..100 {
        if let Some(el) = root.query_selector(selector).unwrap() {
            return el.text_content().unwrap_or_default();
        }
        sleep(50).await;
    }
    panic!(
        "{selector} never appeared; shadow root holds: {}",
        root.inner_html()
    );
}

fn capsules() -> Product {
    Product {
        sku: "CAPS-INTENSO".into(),
        name: "Espresso Intenso capsules".into(),
        kind: ProductKind::Consumable,
        description: "50 capsules of a dark roast.".into(),
        price: Money::new(1750, "EUR"),
        units_per_pack: Some(50),
        in_stock: true,
        subscription: Some(SubscriptionOffer {
            intervals: vec![Interval::weeks(2), Interval::weeks(4)],
            default_interval: Interval::weeks(4),
            discount_percent: 10,
            price: Money::new(1575, "EUR"),
        }),
        usage: None,
        routines: vec![],
        community: None,
        ownership: None,
    }
}

#[wasm_bindgen_test]
async fn product_view_renders_name_and_localised_prices() {
    stub_fetch(200, &serde_json::to_string(&capsules()).unwrap());
    let (host, root, container) = host(&[
        ("view", "product"),
        ("product", "CAPS-INTENSO"),
        ("locale", "fr-FR"),
        ("api", API),
    ]);
    let mounted =
        cadence_widget::mount(host.clone(), container, "https://unused.test/api/v1".into());

    assert_eq!(
        text_of(&root, ".cad-title").await,
        "Espresso Intenso capsules"
    );
    // French formatting by the browser's Intl: decimal comma, euro sign after the amount.
    let price = text_of(&root, "[data-cadence=price]").await;
    assert!(price.contains("17,50") && price.ends_with('€'), "{price:?}");
    let sub = text_of(&root, "[data-cadence=subscription-price]").await;
    assert!(sub.contains("15,75"), "{sub:?}");
    // Neither way to buy is chosen on load: nobody subscribes by leaving a default.
    let radio = |which: &str| -> web_sys::HtmlInputElement {
        root.query_selector(&format!("[data-cadence=plan-{which}]"))
            .unwrap()
            .unwrap()
            .dyn_into()
            .unwrap()
    };
    assert!(!radio("once").checked() && !radio("subscribe").checked());
    // Chosen, subscribe & save comes with the merchant's default cadence, and the terms in
    // full: first delivery and charge, frequency, price, renewal, cancel, withdrawal.
    radio("subscribe").click();
    sleep(50).await;
    assert!(radio("subscribe").checked());
    let total = text_of(&root, "[data-cadence=total]").await;
    assert!(total.starts_with("15,75"), "{total:?}");
    let terms = text_of(&root, "[data-cadence=terms]").await;
    for part in [
        "Première livraison et premier paiement le",
        "toutes les 4 semaines",
        "15,75",
        "Renouvelé jusqu'à résiliation",
        "rétractation de 14 jours",
    ] {
        assert!(terms.contains(part), "{part:?} in {terms:?}");
    }
    // …and the price follows the shopper's choices at once.
    let quantity: web_sys::HtmlSelectElement = root
        .query_selector("[data-cadence=plan-quantity]")
        .unwrap()
        .unwrap()
        .dyn_into()
        .unwrap();
    quantity.set_value("2");
    quantity
        .dispatch_event(&web_sys::Event::new("change").unwrap())
        .unwrap();
    let once: HtmlElement = root
        .query_selector("[data-cadence=plan-once]")
        .unwrap()
        .unwrap()
        .dyn_into()
        .unwrap();
    once.click();
    sleep(50).await;
    let total = text_of(&root, "[data-cadence=total]").await;
    assert!(
        total.starts_with("35,00"),
        "two packs bought once: {total:?}"
    );
    // The product, then (on its own, once the card shows) its recommendations.
    assert_eq!(
        requests(),
        vec![
            (format!("{API}/products/CAPS-INTENSO"), None),
            (
                format!("{API}/recommendations?context=product&sku=CAPS-INTENSO"),
                None
            ),
        ]
    );
    // Each asks for the widget's language, so what the server words (a refusal's reason)
    // is in French too.
    assert_eq!(languages(), vec![Some("fr".to_owned()); 2]);

    mounted.unmount();
    assert!(
        root.query_selector(".cad-title").unwrap().is_none(),
        "unmount leaves the view behind"
    );
    host.remove();
}

#[wasm_bindgen_test]
async fn account_view_sends_the_token_and_lists_subscriptions() {
    let account = Account {
        customer: Customer {
            id: "cust_ada".into(),
            name: "Ada Lovelace".into(),
        },
        subscriptions: vec![Subscription {
            id: "sub_1".into(),
            sku: "CAPS-INTENSO".into(),
            product_name: "Espresso Intenso capsules".into(),
            quantity: 2,
            interval: Interval::weeks(4),
            status: SubscriptionStatus::Active,
            next_delivery: Some("2026-12-03".parse().unwrap()),
            price_per_delivery: Money::new(3150, "EUR"),
            version: 1,
            upcoming: vec![],
            allowed_intervals: vec![Interval::weeks(2), Interval::weeks(4)],
            swap_options: vec![],
            paused_until: None,
            cancelled_on: None,
            reactivate_until: None,
            max_pause_until: None,
            payment_problem: false,
            update_payment_url: None,
            coming_price: None,
            withdrawable_until: None,
        }],
        routines: vec![],
    };
    stub_fetch(200, &serde_json::to_string(&account).unwrap());
    let (host, root, container) = host(&[
        ("view", "account"),
        ("customer-token", "header.payload.sig"),
        ("locale", "en-GB"),
        ("api", API),
    ]);
    let _mounted = cadence_widget::mount(host.clone(), container, API.into());

    assert_eq!(
        text_of(&root, ".cad-subscription-name").await,
        "Espresso Intenso capsules"
    );
    let item = text_of(&root, "[data-cadence=subscription]").await;
    assert!(
        item.contains("Every 4 weeks") && item.contains("3 Dec 2026") && item.contains("€31.50"),
        "{item}"
    );
    let bearer = Some("Bearer header.payload.sig".to_owned());
    assert_eq!(
        requests(),
        vec![
            (format!("{API}/me"), bearer.clone()),
            (format!("{API}/recommendations?context=account"), bearer),
        ]
    );
    assert_eq!(languages(), vec![Some("en".to_owned()); 2]);
    host.remove();
}

/// A subscription of Ada's as the account view reads it, with or without a payment problem.
fn ada_subscription(id: &str, problem: bool, url: Option<&str>) -> Subscription {
    Subscription {
        id: id.into(),
        sku: "CAPS-INTENSO".into(),
        product_name: format!("Capsules {id}"),
        quantity: 2,
        interval: Interval::weeks(4),
        status: SubscriptionStatus::Active,
        next_delivery: Some("2026-12-03".parse().unwrap()),
        price_per_delivery: Money::new(3150, "EUR"),
        version: 1,
        upcoming: vec![],
        allowed_intervals: vec![Interval::weeks(4)],
        swap_options: vec![],
        paused_until: None,
        cancelled_on: None,
        reactivate_until: None,
        max_pause_until: None,
        payment_problem: problem,
        update_payment_url: url.map(str::to_owned),
        coming_price: None,
        withdrawable_until: None,
    }
}

#[wasm_bindgen_test]
async fn a_payment_problem_is_a_calm_notice_with_the_merchants_link() {
    let account = Account {
        customer: Customer {
            id: "cust_ada".into(),
            name: "Ada Lovelace".into(),
        },
        subscriptions: vec![
            ada_subscription("sub_1", true, Some("https://shop.example/account/payment")),
            ada_subscription("sub_2", false, None),
            ada_subscription("sub_3", true, None),
        ],
        routines: vec![],
    };
    stub_fetch(200, &serde_json::to_string(&account).unwrap());
    let (host, root, container) = host(&[
        ("view", "account"),
        ("customer-token", "header.payload.sig"),
        ("locale", "fr"),
        ("api", API),
    ]);
    let _mounted = cadence_widget::mount(host.clone(), container, API.into());
    text_of(&root, "[data-id=sub_3] .cad-subscription-name").await;
    let note = |id: &str| -> HtmlElement {
        root.query_selector(&format!("[data-id={id}] [data-cadence=payment-problem]"))
            .unwrap()
            .unwrap()
            .unchecked_into()
    };
    assert!(!note("sub_1").hidden() && !note("sub_3").hidden());
    assert!(note("sub_2").hidden(), "no notice without a problem");
    let text = note("sub_1").text_content().unwrap();
    assert!(text.contains("paiement n'a pas abouti"), "{text}");
    let link = |id: &str| note(id).query_selector("a").unwrap().unwrap();
    assert_eq!(
        link("sub_1").get_attribute("href").as_deref(),
        Some("https://shop.example/account/payment")
    );
    // Without the merchant's page the notice is plain text, not a link to nowhere.
    assert_eq!(link("sub_3").get_attribute("href"), None);
    host.remove();
}

#[wasm_bindgen_test]
async fn a_coming_price_is_one_line_with_its_date_and_the_way_out() {
    let mut changing = ada_subscription("sub_1", false, None);
    changing.coming_price = Some(cadence_contract::ComingPrice {
        price_per_delivery: Money::new(1240, "EUR"),
        effective_on: "2027-01-15".parse().unwrap(),
    });
    let account = Account {
        customer: Customer {
            id: "cust_ada".into(),
            name: "Ada Lovelace".into(),
        },
        subscriptions: vec![changing, ada_subscription("sub_2", false, None)],
        routines: vec![],
    };
    stub_fetch(200, &serde_json::to_string(&account).unwrap());
    let (host, root, container) = host(&[
        ("view", "account"),
        ("customer-token", "header.payload.sig"),
        ("locale", "en-GB"),
        ("api", API),
    ]);
    let _mounted = cadence_widget::mount(host.clone(), container, API.into());
    text_of(&root, "[data-id=sub_2] .cad-subscription-name").await;
    let line = |id: &str| -> HtmlElement {
        root.query_selector(&format!("[data-id={id}] [data-cadence=coming-price]"))
            .unwrap()
            .unwrap()
            .unchecked_into()
    };
    assert!(!line("sub_1").hidden());
    assert_eq!(
        line("sub_1").text_content().unwrap(),
        "From 15 Jan 2027: €12.40 per delivery. You can cancel before then."
    );
    assert!(line("sub_2").hidden(), "no line without a coming price");
    host.remove();
}

#[wasm_bindgen_test]
async fn server_error_shows_a_calm_message_and_emits_cadence_error() {
    let errors = listen("cadence:error");
    stub_fetch(
        500,
        r#"{"type":"about:blank","title":"Internal Server Error","status":500}"#,
    );
    let (host, root, container) =
        host(&[("product", "CAPS-INTENSO"), ("locale", "de"), ("api", API)]);
    let _mounted = cadence_widget::mount(host.clone(), container, API.into());

    let notice = text_of(&root, "[role=alert]").await;
    assert!(notice.contains("Problem aufgetreten"), "{notice}");
    assert!(
        root.query_selector("button").unwrap().is_some(),
        "a retry button is offered"
    );
    let errors = errors.borrow();
    let codes: Vec<String> = errors
        .iter()
        .map(|d| {
            Reflect::get(d, &"code".into())
                .unwrap()
                .as_string()
                .unwrap()
        })
        .collect();
    assert!(codes.contains(&"http".to_owned()), "{codes:?}");
    host.remove();
}

#[wasm_bindgen_test]
async fn garbage_json_is_a_calm_message_too() {
    stub_fetch(200, "<html>Sign in</html>");
    let (host, root, container) =
        host(&[("product", "CAPS-INTENSO"), ("locale", "en"), ("api", API)]);
    let _mounted = cadence_widget::mount(host.clone(), container, API.into());
    let notice = text_of(&root, "[role=alert]").await;
    assert!(notice.contains("had a problem"), "{notice}");
    host.remove();
}

#[wasm_bindgen_test]
async fn bad_markup_shows_a_setup_message_without_fetching() {
    let errors = listen("cadence:error");
    stub_fetch(200, "{}");
    let (host, root, container) = host(&[("view", "cart"), ("locale", "en")]);
    let _mounted = cadence_widget::mount(host.clone(), container, API.into());
    let notice = text_of(&root, "[role=alert]").await;
    assert!(notice.contains("isn't set up correctly"), "{notice}");
    assert!(requests().is_empty());
    assert!(errors
        .borrow()
        .iter()
        .any(|d| Reflect::get(d, &"code".into()).unwrap() == "config"));
    host.remove();
}

/// Replaces `window.fetch` with one answering by URL: the first of `routes` whose
/// `(needle, status, body)` needle the URL contains (else 404). A request to a URL holding
/// `/done` waits until the test calls `window.__open()`, so what the shopper sees while it
/// is in flight can be checked. Each request's method, URL and `Idempotency-Key` are kept
/// in `window.__requests`.
fn stub_routes(routes: &[(&str, u16, &str)]) {
    let list = Array::new();
    for (needle, status, body) in routes {
        let route = Array::of3(&(*needle).into(), &(*status).into(), &(*body).into());
        list.push(&route);
    }
    let make = Function::new_with_args(
        "routes",
        "window.__requests = [];
         window.__gate = new Promise((open) => { window.__open = open; });
         return async (input, init) => {
           const req = new Request(input, init);
           window.__requests.push({ method: req.method, url: req.url,
             key: req.headers.get('idempotency-key'),
             body: init && typeof init.body === 'string' ? init.body : null });
           if (req.url.includes('/done')) await window.__gate;
           const found = routes.find(([needle]) => req.url.includes(needle));
           const [, status, body] = found || ['', 404, JSON.stringify({ title: 'Not Found', status: 404 })];
           return new Response(body, { status, headers: { 'content-type': 'application/json' } });
         };",
    );
    let fetch = make.call1(&JsValue::NULL, &list).unwrap();
    Reflect::set(&window(), &"fetch".into(), &fetch).unwrap();
}

/// `(method, url, idempotency key)` of each request `stub_routes` answered.
fn routed_requests() -> Vec<(String, String, Option<String>)> {
    let list: Array = Reflect::get(&window(), &"__requests".into())
        .unwrap()
        .into();
    let field = |r: &JsValue, name: &str| Reflect::get(r, &name.into()).unwrap().as_string();
    list.iter()
        .map(|r| {
            (
                field(&r, "method").unwrap(),
                field(&r, "url").unwrap(),
                field(&r, "key"),
            )
        })
        .collect()
}

/// Lets the stubbed `/done` request answer.
fn open_gate() {
    let open: Function = Reflect::get(&window(), &"__open".into())
        .unwrap()
        .dyn_into()
        .unwrap();
    open.call0(&JsValue::NULL).unwrap();
}

fn descale(next_due: &str) -> RoutineTask {
    RoutineTask {
        routine_id: "7".into(),
        name: "Descale".into(),
        model_sku: "BARISTA-ONE".into(),
        model_name: "Barista One".into(),
        every_days: 90,
        last_done: None,
        next_due: next_due.parse().unwrap(),
        guide_url: None,
        reminded: false,
    }
}

/// Ada with no subscription and one maintenance task of her machine.
fn account_with_a_task() -> String {
    serde_json::to_string(&Account {
        customer: Customer {
            id: "cust_ada".into(),
            name: "Ada".into(),
        },
        subscriptions: vec![],
        routines: vec![descale("2026-12-01")],
    })
    .unwrap()
}

/// Waits (up to 5 s) until `selector`'s text is `want`.
async fn wait_for_text(root: &ShadowRoot, selector: &str, want: &str) {
    for _ in 0..100 {
        if text_of(root, selector).await == want {
            return;
        }
        sleep(50).await;
    }
    assert_eq!(text_of(root, selector).await, want, "{selector}");
}

#[wasm_bindgen_test]
async fn mark_done_shows_the_new_date_at_once_then_the_servers() {
    let done = serde_json::to_string(&RoutineTask {
        last_done: Some("2026-12-01".parse().unwrap()),
        ..descale("2027-03-01")
    })
    .unwrap();
    stub_routes(&[
        ("/done", 200, &done),
        ("/recommendations", 200, r#"{"items":[]}"#),
        ("/me", 200, &account_with_a_task()),
    ]);
    let (host, root, container) = host(&[
        ("view", "account"),
        ("customer-token", "header.payload.sig"),
        ("locale", "en-GB"),
        ("api", API),
    ]);
    let _mounted = cadence_widget::mount(host.clone(), container, API.into());
    assert_eq!(text_of(&root, "[data-cadence=due]").await, "Due 1 Dec 2026");
    let button: HtmlElement = root
        .query_selector("[data-cadence=mark-done]")
        .unwrap()
        .unwrap()
        .dyn_into()
        .unwrap();
    assert_eq!(button.text_content().unwrap(), "Mark done");
    // Its name says which task it marks (the visible words first), for screen readers.
    assert_eq!(
        button.get_attribute("aria-label").as_deref(),
        Some("Mark done · Descale")
    );
    let row = text_of(&root, "[data-cadence=task]").await;
    assert!(
        row.starts_with("Descale · Barista One · Due 1 Dec 2026"),
        "{row}"
    );

    button.click();
    // At once, before the server answers: due 90 days from today, and busy.
    let today = cadence_contract::Date::from_unix_millis(js_sys::Date::now()).unwrap();
    let predicted = today.add_days(90).unwrap();
    let intl = js_sys::Intl::DateTimeFormat::new(
        &Array::of1(&"en-GB".into()),
        &js_sys::JSON::parse(r#"{"dateStyle":"medium","timeZone":"UTC"}"#)
            .unwrap()
            .into(),
    );
    let millis = predicted.to_days() as f64 * 86_400_000.0;
    let expected: String = intl
        .format()
        .call1(&JsValue::NULL, &js_sys::Date::new(&millis.into()))
        .unwrap()
        .as_string()
        .unwrap();
    wait_for_text(&root, "[data-cadence=due]", &format!("Due {expected}")).await;
    assert_eq!(
        button.get_attribute("aria-disabled").as_deref(),
        Some("true")
    );
    assert_eq!(
        text_of(&root, "[data-cadence=maintenance-announce]").await,
        "Saving…"
    );
    // A second press while it is in flight sends nothing more.
    button.click();

    open_gate();
    wait_for_text(&root, "[data-cadence=due]", "Due 1 Mar 2027").await;
    assert_eq!(
        text_of(&root, "[data-cadence=maintenance-announce]").await,
        "Descale: done. Next time: 1 Mar 2027."
    );
    assert_eq!(
        button.get_attribute("aria-disabled").as_deref(),
        Some("false")
    );
    let done: Vec<_> = routed_requests()
        .into_iter()
        .filter(|(_, url, _)| url.contains("/done"))
        .collect();
    assert_eq!(done.len(), 1, "{done:?}");
    assert_eq!(done[0].0, "POST");
    assert_eq!(done[0].1, format!("{API}/me/routines/7/done"));
    let key = done[0].2.clone().unwrap();
    assert_eq!(key.len(), 36, "a UUID: {key}");
    host.remove();
}

/// The body of each request `stub_routes` answered that had a text body.
fn routed_bodies() -> Vec<String> {
    let list: Array = Reflect::get(&window(), &"__requests".into())
        .unwrap()
        .into();
    list.iter()
        .filter_map(|r| Reflect::get(&r, &"body".into()).unwrap().as_string())
        .collect()
}

/// The "Remind me" toggle of the account's first task.
async fn remind_button(root: &ShadowRoot) -> HtmlElement {
    for _ in 0..100 {
        if let Some(found) = root.query_selector("[data-cadence=remind]").unwrap() {
            return found.dyn_into().unwrap();
        }
        sleep(50).await;
    }
    panic!("no remind button");
}

async fn wait_for_attribute(element: &HtmlElement, name: &str, want: &str) {
    for _ in 0..100 {
        if element.get_attribute(name).as_deref() == Some(want) {
            return;
        }
        sleep(50).await;
    }
    assert_eq!(element.get_attribute(name).as_deref(), Some(want), "{name}");
}

#[wasm_bindgen_test]
async fn remind_me_asks_the_server_and_says_so() {
    stub_routes(&[
        (
            "/reminders",
            200,
            r#"{"routine_id":"7","remind":true,"next_due":"2026-12-01"}"#,
        ),
        ("/recommendations", 200, r#"{"items":[]}"#),
        ("/me", 200, &account_with_a_task()),
    ]);
    let (host, root, container) = host(&[
        ("view", "account"),
        ("customer-token", "header.payload.sig"),
        ("locale", "en-GB"),
        ("api", API),
    ]);
    let _mounted = cadence_widget::mount(host.clone(), container, API.into());
    let button = remind_button(&root).await;
    assert_eq!(button.text_content().unwrap(), "Remind me");
    assert_eq!(
        button.get_attribute("aria-label").as_deref(),
        Some("Remind me · Descale")
    );
    assert_eq!(
        button.get_attribute("aria-pressed").as_deref(),
        Some("false")
    );
    button.click();
    wait_for_attribute(&button, "aria-pressed", "true").await;
    wait_for_text(
        &root,
        "[data-cadence=maintenance-announce]",
        "We will remind you of Descale when it is due.",
    )
    .await;
    let sent: Vec<_> = routed_requests()
        .into_iter()
        .filter(|(_, url, _)| url.contains("/reminders"))
        .collect();
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0].0, "POST");
    assert_eq!(sent[0].1, format!("{API}/me/routines/7/reminders"));
    assert_eq!(sent[0].2.as_deref().map(str::len), Some(36));
    assert_eq!(routed_bodies(), [r#"{"remind":true}"#]);
    host.remove();
}

#[wasm_bindgen_test]
async fn a_refused_remind_me_rolls_back_and_says_why() {
    stub_routes(&[
        (
            "/reminders",
            404,
            r#"{"title":"Not Found","status":404,"detail":"You own no machine with this routine."}"#,
        ),
        ("/recommendations", 200, r#"{"items":[]}"#),
        ("/me", 200, &account_with_a_task()),
    ]);
    let (host, root, container) = host(&[
        ("view", "account"),
        ("customer-token", "header.payload.sig"),
        ("locale", "en-GB"),
        ("api", API),
    ]);
    let _mounted = cadence_widget::mount(host.clone(), container, API.into());
    let button = remind_button(&root).await;
    button.click();
    for _ in 0..100 {
        if !text_of(&root, "[data-cadence=maintenance-alert]")
            .await
            .is_empty()
        {
            break;
        }
        sleep(50).await;
    }
    assert!(!text_of(&root, "[data-cadence=maintenance-alert]")
        .await
        .is_empty());
    assert_eq!(
        button.get_attribute("aria-pressed").as_deref(),
        Some("false")
    );
    host.remove();
}

#[wasm_bindgen_test]
async fn a_refused_mark_done_rolls_back_and_says_why() {
    let errors = listen("cadence:error");
    stub_routes(&[
        (
            "/done",
            422,
            r#"{"title":"Unprocessable","status":422,"errors":[{"pointer":"/done_on","detail":"The day it was done cannot be in the future."}]}"#,
        ),
        ("/recommendations", 200, r#"{"items":[]}"#),
        ("/me", 200, &account_with_a_task()),
    ]);
    let (host, root, container) = host(&[
        ("view", "account"),
        ("customer-token", "header.payload.sig"),
        ("locale", "en-GB"),
        ("api", API),
    ]);
    let _mounted = cadence_widget::mount(host.clone(), container, API.into());
    assert_eq!(text_of(&root, "[data-cadence=due]").await, "Due 1 Dec 2026");
    let button: HtmlElement = root
        .query_selector("[data-cadence=mark-done]")
        .unwrap()
        .unwrap()
        .dyn_into()
        .unwrap();
    button.click();
    // Shown at once (Leptos renders the change a microtask later)…
    for _ in 0..100 {
        if text_of(&root, "[data-cadence=due]").await != "Due 1 Dec 2026" {
            break;
        }
        sleep(20).await;
    }
    assert_ne!(text_of(&root, "[data-cadence=due]").await, "Due 1 Dec 2026");
    open_gate();
    // Back to what is true, with the reason, in the alert a screen reader hears.
    wait_for_text(&root, "[data-cadence=due]", "Due 1 Dec 2026").await;
    let alert = text_of(&root, "[data-cadence=maintenance-alert]").await;
    assert_eq!(
        alert,
        "Your change was not saved, so nothing changed. The day it was done cannot be in the future."
    );
    assert_eq!(
        text_of(&root, "[data-cadence=maintenance-announce]").await,
        ""
    );
    assert_eq!(
        button.get_attribute("aria-disabled").as_deref(),
        Some("false")
    );
    assert!(errors
        .borrow()
        .iter()
        .any(|d| Reflect::get(d, &"code".into()).unwrap() == "http"));
    host.remove();
}

/// What `after_this_task` promises: false while the task that made it runs (so what waits
/// for it is not built then), true from the next task on.
#[wasm_bindgen_test]
async fn after_this_task_turns_true_in_the_next_task() {
    use leptos::prelude::*;
    let (host, root, container) = host(&[]);
    let _handle = leptos::mount::mount_to(container, move || {
        let ready = cadence_widget::views::after_this_task();
        view! {
            <p class="now">"now"</p>
            {move || ready.get().then(|| view! { <p class="later">"later"</p> })}
        }
    });
    assert!(root.query_selector(".now").unwrap().is_some());
    assert!(
        root.query_selector(".later").unwrap().is_none(),
        "built in the same task: {}",
        root.inner_html()
    );
    assert_eq!(text_of(&root, ".later").await, "later");
    host.remove();
}

/// A machine with one maintenance routine, as the product page gets it.
fn machine(owned_and_reminded: bool) -> String {
    let routine = Routine {
        name: "Descale".into(),
        every_days: 90,
        consumable_sku: None,
        consumable_name: None,
        consumable_price: None,
        guide_url: None,
    };
    serde_json::to_string(&Product {
        sku: "BARISTA-ONE".into(),
        name: "Barista One".into(),
        kind: ProductKind::Durable,
        description: "An espresso machine.".into(),
        price: Money::new(34_900, "EUR"),
        units_per_pack: None,
        in_stock: true,
        subscription: None,
        usage: None,
        routines: vec![routine.clone()],
        community: None,
        ownership: owned_and_reminded.then(|| Ownership {
            model_sku: "BARISTA-ONE".into(),
            model_name: "Barista One".into(),
            purchased_on: "2026-01-10".parse().unwrap(),
            routines: vec![OwnedRoutine {
                routine,
                last_done: None,
                next_due: "2026-12-10".parse().unwrap(),
            }],
            reminded: true,
        }),
    })
    .unwrap()
}

async fn element(root: &ShadowRoot, selector: &str) -> HtmlElement {
    for _ in 0..100 {
        if let Some(found) = root.query_selector(selector).unwrap() {
            return found.dyn_into().unwrap();
        }
        sleep(50).await;
    }
    panic!("no {selector}; shadow root holds: {}", root.inner_html());
}

#[wasm_bindgen_test]
async fn a_visitor_asks_for_maintenance_reminders_by_email_and_is_told_to_confirm() {
    stub_routes(&[
        (
            "/products/BARISTA-ONE/reminders",
            202,
            r#"{"status":"confirmation_sent","confirm_within_hours":48}"#,
        ),
        ("/recommendations", 200, r#"{"items":[]}"#),
        ("/products/BARISTA-ONE", 200, &machine(false)),
    ]);
    let (host, root, container) = host(&[
        ("view", "product"),
        ("product", "BARISTA-ONE"),
        ("locale", "en-GB"),
        ("api", API),
    ]);
    let _mounted = cadence_widget::mount(host.clone(), container, API.into());
    let follow = element(&root, "[data-cadence=follow]").await;
    // A disclosure, closed on load: the page below does not move.
    assert!(follow.get_attribute("open").is_none());
    let input: web_sys::HtmlInputElement = element(&root, "#cad-follow-email")
        .await
        .dyn_into()
        .unwrap();
    assert_eq!(input.type_(), "email");
    assert!(input.required());
    let label = element(&root, "label[for=cad-follow-email]").await;
    assert_eq!(label.text_content().unwrap(), "Your e-mail address");
    // The browser checks the address (`type=email`); an invalid one is never sent.
    input.set_value("not an address");
    input
        .dispatch_event(&web_sys::Event::new("input").unwrap())
        .unwrap();
    let form: web_sys::HtmlFormElement = element(&root, "[data-cadence=follow-form]")
        .await
        .dyn_into()
        .unwrap();
    form.request_submit().unwrap();
    sleep(100).await;
    assert!(routed_requests()
        .iter()
        .all(|(_, url, _)| !url.contains("/reminders")));
    input.set_value("o'neil+cafe@example.org");
    input
        .dispatch_event(&web_sys::Event::new("input").unwrap())
        .unwrap();
    form.request_submit().unwrap();
    wait_for_text(
        &root,
        "[data-cadence=follow-announce]",
        "Check your inbox: confirm with the link we sent to o'neil+cafe@example.org. Nothing happens without it.",
    )
    .await;
    let sent: Vec<_> = routed_requests()
        .into_iter()
        .filter(|(_, url, _)| url.contains("/reminders"))
        .collect();
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0].0, "POST");
    assert_eq!(sent[0].1, format!("{API}/products/BARISTA-ONE/reminders"));
    assert_eq!(routed_bodies(), [r#"{"email":"o'neil+cafe@example.org"}"#]);
    host.remove();
}

#[wasm_bindgen_test]
async fn a_signed_in_owner_turns_maintenance_reminders_off_and_back_on() {
    stub_routes(&[
        (
            "/me/products/BARISTA-ONE/reminders",
            200,
            r#"{"sku":"BARISTA-ONE","remind":false}"#,
        ),
        ("/recommendations", 200, r#"{"items":[]}"#),
        (
            "/me/calendar",
            200,
            r#"{"feed_url":"https://api.test/cal.ics"}"#,
        ),
        ("/products/BARISTA-ONE", 200, &machine(true)),
    ]);
    let (host, root, container) = host(&[
        ("view", "product"),
        ("product", "BARISTA-ONE"),
        ("customer-token", "header.payload.sig"),
        ("locale", "en-GB"),
        ("api", API),
    ]);
    let _mounted = cadence_widget::mount(host.clone(), container, API.into());
    let button = element(&root, "[data-cadence=follow-send]").await;
    assert!(root.query_selector("#cad-follow-email").unwrap().is_none());
    assert_eq!(button.text_content().unwrap(), "Remind me");
    assert_eq!(
        button.get_attribute("aria-pressed").as_deref(),
        Some("true")
    );
    button.click();
    wait_for_attribute(&button, "aria-pressed", "false").await;
    wait_for_text(
        &root,
        "[data-cadence=follow-announce]",
        "Done: no more maintenance reminders.",
    )
    .await;
    let sent: Vec<_> = routed_requests()
        .into_iter()
        .filter(|(_, url, _)| url.contains("/reminders"))
        .collect();
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(
        sent[0].1,
        format!("{API}/me/products/BARISTA-ONE/reminders")
    );
    assert_eq!(routed_bodies(), [r#"{"remind":false}"#]);
    host.remove();
}
