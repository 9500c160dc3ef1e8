//! cadence.js — the only script a merchant includes: defines <cadence-widget>, loads the wasm once, lazily.
//
// Budget: 3 KB brotli (checked by `cargo xtask dist`). Rules it keeps:
// - assets are found relative to this file (import.meta.url), so it works from any origin;
// - each view is its own wasm module (a product page never downloads the account view's
//   code); a module is fetched and instantiated at most once per page, and only when a
//   widget needing it nears the viewport; a failed load is forgotten so a later widget can
//   try again;
// - nothing is ever thrown into the host page: every failure becomes a calm message inside
//   the widget plus a bubbling, composed `cadence:error` event;
// - everything is drawn inside each element's shadow root.

const here = import.meta.url;
const asset = (name) => new URL(name, here).href;
const defaultApi = new URL('../api/v1', here).href;

// Shown when the widget cannot start at all (the wasm's own texts are not available then).
const FALLBACK = {
  en: 'This part of the page could not be loaded. Please refresh to try again.',
  fr: "Cette partie de la page n'a pas pu être chargée. Actualisez pour réessayer.",
  de: 'Dieser Bereich konnte nicht geladen werden. Bitte laden Sie die Seite neu.',
};

// Sizing and isolation that must apply before the full stylesheet arrives, so the
// reserved space never changes (no layout shift) and host styles never leak in.
const BASE_CSS =
  // Reserved heights fit the loaded views of a typical catalog (measured in the e2e
  // tests); merchants with longer texts set --cadence-min-height.
  ':host{display:block;box-sizing:border-box;contain:content;min-height:var(--cadence-min-height,52em);' +
  // Inherited properties are all that crosses the shadow boundary; !important here beats
  // even a host page's !important rules (inner-context precedence), while merchants can
  // still size and space the element itself from outside.
  'font:400 16px/1.5 var(--cadence-font,system-ui,sans-serif)!important;color:var(--cadence-text,#1f2328)!important;' +
  'letter-spacing:normal!important;word-spacing:normal!important;text-transform:none!important;' +
  'text-indent:0!important;text-align:start!important;text-shadow:none!important;white-space:normal!important;' +
  'visibility:visible!important;cursor:auto!important}' +
  ':host([view=account]){min-height:var(--cadence-min-height,36.5em)}' +
  // Narrow screens wrap text onto more lines: reserve more so nothing below moves.
  '@media (max-width:30em){:host{min-height:var(--cadence-min-height,74.5em)}' +
  ':host([view=account]){min-height:var(--cadence-min-height,74em)}}' +
  '.cadence-fallback{margin:0;padding:1em;border:1px solid #d0d7de;border-radius:.5em}';

let broken = false; // set after a panic: no instance is entered again
const baseSheet = new CSSStyleSheet();
baseSheet.replaceSync(BASE_CSS);
const live = new Set();

// Every asset load happens once per page and is shared by all widgets; a failed one is
// forgotten so a later widget can try again. Keys: a view's module, or the stylesheet.
const loads = {};
function once(key, load) {
  if (!loads[key]) {
    loads[key] = load();
    loads[key].catch(() => (loads[key] = null));
  }
  return loads[key];
}

// Which module an element needs: `view="account"` the account one, anything else the
// product one (which also explains a misspelt view to the merchant).
const moduleOf = (el) => (el.getAttribute('view') === 'account' ? 'account' : 'product');

function loadModule(view) {
  if (broken) return Promise.reject(new Error('cadence: widget stopped after an internal error'));
  return once(view, async () => {
    // A User Timing measure, so merchants (and our page-impact bench) can see what the
    // widget costs: `cadence:load` spans import + wasm download, compile, instantiate.
    const start = performance.now();
    // The wasm download starts now, alongside the glue's, not after it (one round trip
    // less before the first render). Marked handled: a failure surfaces through init.
    const wasm = fetch(asset(`cadence_${view}_bg.wasm`));
    wasm.catch(() => {});
    const m = await import(asset(`cadence_${view}.js`));
    await m.default({ module_or_path: wasm });
    m.init(onPanic);
    performance.measure('cadence:load', { start, detail: view });
    return m;
  });
}

function loadStyles() {
  return once('css', () =>
    fetch(asset('cadence.css'))
      .then((r) => (r.ok ? r.text() : Promise.reject(new Error('cadence.css: HTTP ' + r.status))))
      .then((css) => {
        const sheet = new CSSStyleSheet();
        sheet.replaceSync(css);
        return sheet;
      }),
  );
}

// The first use of `Intl` loads ICU's data: 40–110 ms in one task on our 2-core test VM,
// a long task whether the widget's first render pays it or a warm-up does. So the warm-up
// runs now, while the wasm and the data download, as five tasks of its own (likely
// subtags; the number formats' locales, then one; the same for dates). Measured over 15
// cold loads: 5–26, 12–70 (median 20), ≤1, 2–10 and 1–12 ms; only the number formats'
// locale list, one call into ICU, still reaches 50 ms now and then.
// Once per locale; errors are harmless.
const warmed = new Set();
function warmIntl(tag) {
  if (warmed.has(tag)) return;
  warmed.add(tag);
  const steps = [
    () => new Intl.Locale(tag).maximize(),
    () => Intl.NumberFormat.supportedLocalesOf(tag),
    () => new Intl.NumberFormat(tag, { style: 'currency', currency: 'EUR' }).format(1),
    () => Intl.DateTimeFormat.supportedLocalesOf(tag),
    () => new Intl.DateTimeFormat(tag, { dateStyle: 'medium', timeZone: 'UTC' }).format(0),
  ];
  const next = () => {
    try {
      steps.shift()();
    } catch {}
    if (steps.length) setTimeout(next);
  };
  setTimeout(next);
}

function onPanic(message) {
  broken = true;
  for (const el of live) el.fail('panic', message);
}

// After its panic hook has reported, Rust aborts: a wasm trap that propagates to whatever
// entered the instance (an event listener, a microtask, a timer). It is the widget's
// failure, already shown and announced, so it must not reach the host page as an uncaught
// error. Only traps from the widget's own wasm (its URL is in the trap's stack), and only
// once a panic was reported, are held back.
const ourTrap = (err) => err instanceof WebAssembly.RuntimeError && String(err.stack).includes(asset('.'));
const swallowTrap = (e) => {
  if (broken && ourTrap(e.error || e.reason)) {
    e.preventDefault();
    e.stopImmediatePropagation();
  }
};
addEventListener('error', swallowTrap);
addEventListener('unhandledrejection', swallowTrap);

// The widget's locale as config.rs picks it: attribute, then the page's lang, then the browser.
function localeOf(el) {
  return el.getAttribute('locale') || el.closest('[lang]')?.lang || navigator.language || 'en';
}

function langOf(el) {
  const lang = localeOf(el).slice(0, 2).toLowerCase();
  return FALLBACK[lang] ? lang : 'en';
}

const observer =
  'IntersectionObserver' in window
    ? new IntersectionObserver(
        (entries) => {
          for (const e of entries) {
            if (e.isIntersecting) {
              observer.unobserve(e.target);
              e.target.start();
            }
          }
        },
        { rootMargin: '200px' },
      )
    : null;

class CadenceWidget extends HTMLElement {
  static observedAttributes = ['view', 'product', 'customer-token', 'api', 'locale'];

  connectedCallback() {
    if (!this.shadowRoot) {
      this.attachShadow({ mode: 'open' }).adoptedStyleSheets = [baseSheet];
    }
    live.add(this);
    if (observer) observer.observe(this);
    else this.start();
  }

  disconnectedCallback() {
    live.delete(this);
    if (observer) observer.unobserve(this);
    this.stop();
  }

  attributeChangedCallback(_name, before, after) {
    if (this.mounted && before !== after) {
      this.stop();
      this.start();
    }
  }

  async start() {
    if (this.mounted || this.starting || !this.isConnected) return;
    this.starting = true;
    warmIntl(localeOf(this));
    try {
      const [m, sheet] = await Promise.all([loadModule(moduleOf(this)), loadStyles()]);
      if (!this.isConnected || broken) return;
      this.shadowRoot.adoptedStyleSheets = [baseSheet, sheet];
      const container = document.createElement('div');
      this.shadowRoot.replaceChildren(container);
      this.mounted = m.mount(this, container, defaultApi);
    } catch (error) {
      this.fail('load', String(error && error.message ? error.message : error));
    } finally {
      this.starting = false;
    }
  }

  stop() {
    const mounted = this.mounted;
    this.mounted = null;
    if (mounted && !broken) {
      try {
        mounted.unmount();
      } catch (_) {
        // The view is being thrown away either way.
      }
    }
  }

  fail(code, message) {
    this.mounted = null;
    const p = document.createElement('p');
    p.className = 'cadence-fallback';
    p.setAttribute('role', 'alert');
    p.setAttribute('part', 'error');
    p.textContent = FALLBACK[langOf(this)];
    this.shadowRoot?.replaceChildren(p);
    this.dispatchEvent(new CustomEvent('cadence:error', { bubbles: true, composed: true, detail: { code, message } }));
  }
}

if (!customElements.get('cadence-widget')) customElements.define('cadence-widget', CadenceWidget);
