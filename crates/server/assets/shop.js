// shop.js — the demo shop's own theme script, as a merchant would write it: it listens
// for the widget's bubbling `cadence:*` events on document, shows the last one in the
// event log, and counts `cadence:add-to-cart` in the cart badge.
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
})();
