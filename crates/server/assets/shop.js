// shop.js — the demo shop's own theme script, as a merchant would write it: it listens
// for the widget's bubbling `cadence:*` events on document, shows the last one in the
// event log, and counts `cadence:add-to-cart` in the cart badge. On /back-office it keeps
// the list of received webhooks fresh.
'use strict';

(function () {
  // DOM events have no wildcard listener, so the shop names them: exactly the events
  // the widget emits (README.md's event table). A pause, skip or cancel is one
  // `subscription-changed` whose `detail.action` says which.
  var EVENTS = [
    'error', 'add-to-cart', 'subscribed', 'subscription-changed', 'recommendation',
  ];
  var cart = 0;

  function addToCart(quantity) {
    cart += quantity > 0 ? quantity : 1;
    var badge = document.getElementById('cart-count');
    if (badge) badge.textContent = String(cart);
  }

  function log(event) {
    var out = document.getElementById('event-log');
    if (!out) return;
    var detail = '';
    try { detail = JSON.stringify(event.detail); } catch (e) { detail = '(unserialisable detail)'; }
    out.textContent = event.type + ' ' + (detail || '') + ' at ' + new Date().toLocaleTimeString();
  }

  EVENTS.forEach(function (name) {
    document.addEventListener('cadence:' + name, function (event) {
      log(event);
      if (name === 'add-to-cart') {
        addToCart(event.detail && Number(event.detail.quantity));
      }
    });
  });

  // The shop's own "Add to cart" button, for comparison with the widget's.
  document.addEventListener('click', function (event) {
    var button = event.target instanceof Element ? event.target.closest('.add-to-cart') : null;
    if (button) addToCart(1);
  });

  // The back office's webhook list: fetched again every few seconds while the tab is
  // visible, so an event appears without a reload. Open payloads stay open.
  var inbox = document.getElementById('webhook-inbox');
  if (inbox && inbox.dataset.refresh && window.fetch) {
    // The browser re-serialises innerHTML, so compare with what the server sent last.
    var last = null;
    var refresh = function () {
      if (document.hidden) return;
      fetch(inbox.dataset.refresh, { credentials: 'same-origin', cache: 'no-store' })
        .then(function (response) { return response.ok ? response.text() : null; })
        .then(function (html) {
          if (html === null || html === last) return;
          last = html;
          var open = {};
          inbox.querySelectorAll('li[data-event-id] details[open]').forEach(function (d) {
            open[d.closest('li').dataset.eventId] = true;
          });
          inbox.innerHTML = html;
          inbox.querySelectorAll('li[data-event-id]').forEach(function (li) {
            var details = li.querySelector('details');
            if (details && open[li.dataset.eventId]) details.open = true;
          });
        })
        .catch(function () { /* the next tick tries again */ });
    };
    setInterval(refresh, 2000);
  }
})();
