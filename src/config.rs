//! Widget configuration: raw attribute strings parsed once into a validated [`Config`].
//!
//! Follows ripgrep's split between what the merchant wrote and what the widget runs
//! with: every later module takes a `Config` and never re-reads attributes.

use crate::i18n::Locale;
use web_sys::HtmlElement;

/// The attributes exactly as written on `<cadence-widget>`, plus the page's hints.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct RawConfig {
    pub view: Option<String>,
    pub product: Option<String>,
    pub customer_token: Option<String>,
    pub api: Option<String>,
    pub locale: Option<String>,
    /// The nearest `lang` attribute around the element, then the document's.
    pub page_lang: Option<String>,
    /// The browser's preferred language.
    pub browser_lang: Option<String>,
    /// The API base derived from the loader's own URL.
    pub default_api: String,
}

impl RawConfig {
    pub(crate) fn from_host(host: &HtmlElement, default_api: String) -> Self {
        let attr = |name: &str| {
            host.get_attribute(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let page_lang = host
            .closest("[lang]")
            .ok()
            .flatten()
            .and_then(|el| el.get_attribute("lang"))
            .or_else(|| {
                let doc = web_sys::window()?.document()?.document_element()?;
                doc.get_attribute("lang")
            })
            .filter(|l| !l.trim().is_empty());
        let browser_lang = web_sys::window().and_then(|w| w.navigator().language());
        RawConfig {
            view: attr("view"),
            product: attr("product"),
            customer_token: attr("customer-token"),
            api: attr("api"),
            locale: attr("locale"),
            page_lang,
            browser_lang,
            default_api,
        }
    }
}

/// Which of the widget's faces the merchant placed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum View {
    Product { sku: String },
    Account,
}

/// A configuration the widget can run with.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Config {
    pub view: View,
    /// Base URL of the API, without a trailing slash.
    pub api: String,
    pub customer_token: Option<String>,
    pub locale: Locale,
    /// The BCP 47 tag handed to `Intl`, already checked to be well-formed.
    pub locale_tag: String,
}

/// Why the merchant's markup cannot be used; shown to the shopper as a calm generic
/// message, and to the merchant through the `cadence:error` event and the console.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum ConfigError {
    UnknownView(String),
    MissingProduct,
    MissingToken,
    BadApi(String),
}

impl core::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            ConfigError::UnknownView(v) => {
                write!(f, "view must be \"product\" or \"account\", not \"{v}\"")
            }
            ConfigError::MissingProduct => {
                f.write_str("view=\"product\" needs a product attribute (a SKU)")
            }
            ConfigError::MissingToken => {
                f.write_str("view=\"account\" needs a customer-token attribute")
            }
            ConfigError::BadApi(v) => write!(f, "api must be an absolute http(s) URL, not \"{v}\""),
        }
    }
}

impl Config {
    pub(crate) fn parse(raw: &RawConfig) -> Result<Config, ConfigError> {
        let (locale, locale_tag) = resolve_locale(raw);
        let view = match raw.view.as_deref().unwrap_or("product") {
            "product" => View::Product {
                sku: raw.product.clone().ok_or(ConfigError::MissingProduct)?,
            },
            "account" => View::Account,
            other => return Err(ConfigError::UnknownView(other.to_owned())),
        };
        if view == View::Account && raw.customer_token.is_none() {
            return Err(ConfigError::MissingToken);
        }
        let api = raw.api.clone().unwrap_or_else(|| raw.default_api.clone());
        if !(api.starts_with("https://") || api.starts_with("http://"))
            || api.contains(char::is_whitespace)
        {
            return Err(ConfigError::BadApi(api));
        }
        Ok(Config {
            view,
            api: api.trim_end_matches('/').to_owned(),
            customer_token: raw.customer_token.clone(),
            locale,
            locale_tag,
        })
    }
}

/// The first well-formed language among the attribute, the page and the browser; the
/// UI language is the first of those we have translations for, else English.
pub(crate) fn resolve_locale(raw: &RawConfig) -> (Locale, String) {
    let candidates = [&raw.locale, &raw.page_lang, &raw.browser_lang];
    let tags: Vec<&str> = candidates
        .iter()
        .filter_map(|c| c.as_deref())
        .filter(|t| is_well_formed_tag(t))
        .collect();
    for tag in &tags {
        if let Some(locale) = Locale::from_tag(tag) {
            return (locale, (*tag).to_owned());
        }
    }
    (Locale::En, "en".to_owned())
}

/// A conservative BCP 47 check, so `Intl` constructors never throw a `RangeError`.
pub(crate) fn is_well_formed_tag(tag: &str) -> bool {
    let mut parts = tag.split('-');
    let lang_ok = parts
        .next()
        .is_some_and(|p| (2..=3).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphabetic()));
    lang_ok
        && parts.all(|p| (1..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw() -> RawConfig {
        RawConfig {
            default_api: "https://shop.example/api/v1".into(),
            ..Default::default()
        }
    }

    #[test]
    fn product_view_needs_a_sku() {
        let mut r = raw();
        r.view = Some("product".into());
        assert_eq!(Config::parse(&r), Err(ConfigError::MissingProduct));
        r.product = Some("CAPS-INTENSO".into());
        let cfg = Config::parse(&r).unwrap();
        assert_eq!(
            cfg.view,
            View::Product {
                sku: "CAPS-INTENSO".into()
            }
        );
        assert_eq!(cfg.api, "https://shop.example/api/v1");
    }

    #[test]
    fn account_view_needs_a_token() {
        let mut r = raw();
        r.view = Some("account".into());
        assert_eq!(Config::parse(&r), Err(ConfigError::MissingToken));
        r.customer_token = Some("a.b.c".into());
        assert_eq!(Config::parse(&r).unwrap().view, View::Account);
    }

    #[test]
    fn rejects_unknown_view_and_bad_api() {
        let mut r = raw();
        r.view = Some("cart".into());
        assert!(matches!(
            Config::parse(&r),
            Err(ConfigError::UnknownView(_))
        ));
        r.view = Some("product".into());
        r.product = Some("X".into());
        r.api = Some("javascript:alert(1)".into());
        assert!(matches!(Config::parse(&r), Err(ConfigError::BadApi(_))));
        r.api = Some("https://api.example/v1/".into());
        let cfg = Config::parse(&r).unwrap();
        assert_eq!(cfg.api, "https://api.example/v1");
    }

    #[test]
    fn locale_prefers_attribute_then_page_then_browser() {
        let mut r = raw();
        r.browser_lang = Some("de-DE".into());
        assert_eq!(resolve_locale(&r), (Locale::De, "de-DE".into()));
        r.page_lang = Some("fr".into());
        assert_eq!(resolve_locale(&r), (Locale::Fr, "fr".into()));
        r.locale = Some("en-GB".into());
        assert_eq!(resolve_locale(&r), (Locale::En, "en-GB".into()));
        r.locale = Some("not a tag!".into());
        assert_eq!(resolve_locale(&r).0, Locale::Fr);
        r.locale = Some("ja".into());
        r.page_lang = None;
        r.browser_lang = None;
        assert_eq!(resolve_locale(&r), (Locale::En, "en".into()));
    }
}
