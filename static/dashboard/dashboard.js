/* Aftersale dashboard: a session token on every htmx request, and small UI helpers.
 *
 * Inside the Shopify admin, App Bridge (window.shopify) hands out a fresh session token for
 * each request. Without it (tests, the local demo, App Bridge failing to load) the token
 * the page was loaded with is used until it expires, after which the page says so.
 * Tokens only ever travel in the Authorization header of same-origin requests.
 */
(function () {
  "use strict";

  var meta = document.querySelector('meta[name="aftersale-session-token"]');
  var current = meta ? meta.getAttribute("content") : "";

  function appBridge() {
    return !!(window.shopify && typeof window.shopify.idToken === "function");
  }

  function freshToken() {
    if (!appBridge()) {
      return Promise.resolve(current);
    }
    return window.shopify.idToken().then(
      function (token) {
        current = token;
        return token;
      },
      function () {
        return current;
      }
    );
  }

  function sameOrigin(path) {
    try {
      return new URL(path, window.location.href).origin === window.location.origin;
    } catch (e) {
      return false;
    }
  }

  function toast(message, isError) {
    if (appBridge() && window.shopify.toast) {
      window.shopify.toast.show(message, { isError: !!isError });
      return;
    }
    var region = document.getElementById("toasts");
    if (!region) {
      return;
    }
    var item = document.createElement("div");
    item.className = "toast" + (isError ? " toast-error" : "");
    item.setAttribute("role", "status");
    item.textContent = message; // never HTML: messages may echo merchant text
    region.appendChild(item);
    window.setTimeout(function () {
      item.remove();
    }, 4000);
  }

  function showSessionBanner() {
    var banner = document.getElementById("session-banner");
    if (banner) {
      banner.hidden = false;
    }
  }

  function markAppBridge() {
    document.documentElement.classList.toggle("has-app-bridge", appBridge());
  }

  // Every htmx request waits for a token first (htmx:confirm is the documented async hook).
  document.addEventListener("htmx:confirm", function (evt) {
    evt.preventDefault();
    freshToken().then(function () {
      evt.detail.issueRequest(false);
    });
  });

  document.addEventListener("htmx:configRequest", function (evt) {
    if (current && sameOrigin(evt.detail.path)) {
      evt.detail.headers["Authorization"] = "Bearer " + current;
    }
  });

  // Back/forward with no cached page: htmx reloads it with its own request, opened but
  // not yet sent, so the header goes on here.
  document.addEventListener("htmx:historyCacheMiss", function (evt) {
    evt.preventDefault();
    var xhr = evt.detail.xhr;
    freshToken().then(function (token) {
      if (token) {
        xhr.setRequestHeader("Authorization", "Bearer " + token);
      }
      xhr.send();
    });
  });

  document.addEventListener("htmx:historyCacheMissLoadError", showSessionBanner);

  document.addEventListener("htmx:responseError", function (evt) {
    var status = evt.detail.xhr ? evt.detail.xhr.status : 0;
    if (status === 401) {
      showSessionBanner();
    } else if (status === 404) {
      toast("That item no longer exists.", true);
    } else {
      toast("Something went wrong (" + status + "). Please try again.", true);
    }
  });

  document.addEventListener("htmx:sendError", function () {
    toast("Could not reach Aftersale. Check your connection and try again.", true);
  });

  // Servers say "toast" through HX-Trigger: {"dashboard:toast": {"message": "...", "error": false}}
  document.addEventListener("dashboard:toast", function (evt) {
    var detail = evt.detail || {};
    if (detail.message) {
      toast(String(detail.message), !!detail.error);
    }
  });

  document.addEventListener("DOMContentLoaded", markAppBridge);
  document.addEventListener("htmx:afterSettle", markAppBridge);
  markAppBridge();
})();
