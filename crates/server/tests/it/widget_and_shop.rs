//! `/widget/*` static assets, and the demo storefront on its own origin.

use crate::common::*;
use axum::body::Body;
use axum::http::{Request, StatusCode};

#[tokio::test]
async fn widget_files_are_served_cross_origin() {
    let app = TestApp::new();
    let js = app.get("/widget/cadence.js").await;
    assert_eq!(js.status, StatusCode::OK);
    assert!(js.header("content-type").unwrap().contains("javascript"));
    assert_eq!(js.header("access-control-allow-origin"), Some("*"));
    assert_eq!(
        js.header("cross-origin-resource-policy"),
        Some("cross-origin")
    );
    assert_eq!(js.header("cache-control"), Some("no-cache"));

    let wasm = app.get("/widget/cadence_widget_bg.wasm").await;
    assert_eq!(wasm.status, StatusCode::OK);
    assert_eq!(wasm.header("content-type"), Some("application/wasm"));
    assert_eq!(wasm.body, b"\0asm\x01\0\0\0");

    // A pre-compressed sibling is preferred when the browser accepts it.
    std::fs::write(app.state.widget_dir.join("cadence.js.br"), b"brotli bytes").unwrap();
    let request = Request::get("/widget/cadence.js")
        .header("accept-encoding", "gzip, br")
        .body(Body::empty());
    let br = app.send(request.unwrap()).await;
    assert_eq!(br.header("content-encoding"), Some("br"));
    assert!(br.header("content-type").unwrap().contains("javascript"));
    assert_eq!(br.header("access-control-allow-origin"), Some("*"));
}

async fn shop_page(app: &TestApp, uri: &str) -> Reply {
    send(app.shop(), Request::get(uri).body(Body::empty()).unwrap()).await
}

fn assert_strict_csp(reply: &Reply) {
    let csp = reply
        .header("content-security-policy")
        .expect("CSP on every page");
    assert!(
        csp.contains(&format!("script-src 'self' {API_URL} 'wasm-unsafe-eval'")),
        "{csp}"
    );
    assert!(
        csp.contains(&format!("connect-src 'self' {API_URL}")),
        "{csp}"
    );
    assert!(
        !csp.contains("unsafe-inline") && !csp.contains("'unsafe-eval'"),
        "{csp}"
    );
    assert!(!reply.text().contains("<script>"), "no inline script");
}

#[tokio::test]
async fn product_page_embeds_the_widget_under_a_strict_csp() {
    let app = TestApp::new();
    let page = shop_page(&app, "/products/CAPS-INTENSO").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_strict_csp(&page);
    let html = page.text();
    assert!(html.contains(r#"<html lang="en">"#));
    assert!(html.contains(&format!(
        r#"<script type="module" src="{API_URL}/widget/cadence.js"></script>"#
    )));
    assert!(
        html.contains(r#"<cadence-widget view="product" product="CAPS-INTENSO"></cadence-widget>"#)
    );

    let catalog = shop_page(&app, "/").await;
    assert_strict_csp(&catalog);
    assert!(catalog.text().contains(r#"href="/products/BARISTA-ONE""#));
    assert!(catalog.text().contains("Bean &amp; Boiler"), "escaped");
    assert_eq!(
        shop_page(&app, "/products/NOPE").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        shop_page(&app, "/shop.js").await.header("content-type"),
        Some("text/javascript; charset=utf-8")
    );
}

#[tokio::test]
async fn account_page_mints_a_token_the_api_accepts() {
    let app = TestApp::new();
    let page = shop_page(&app, "/account?as=cust_grace").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_strict_csp(&page);
    assert_eq!(page.header("cache-control"), Some("private, no-store"));
    let html = page.text();
    let token = html
        .split(r#"<cadence-widget view="account" customer-token=""#)
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    let me = app.get_as("/api/v1/me", token).await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(me.json()["customer"]["id"], "cust_grace");

    let picker = shop_page(&app, "/account").await.text();
    assert!(picker.contains("/account?as=cust_ada") && picker.contains("/account?as=cust_grace"));
    assert!(!picker.contains("customer-token"));
    let stranger = shop_page(&app, "/account?as=%22%3E%3Cscript%3E")
        .await
        .text();
    assert!(!stranger.contains("<script>") && !stranger.contains("customer-token"));
}
