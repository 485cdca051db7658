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

  // Our own store sessions (BigCommerce, WooCommerce) are renewed by the server: a request
  // made late in a token's life answers with its successor.
  document.addEventListener("htmx:afterRequest", function (evt) {
    var xhr = evt.detail.xhr;
    var fresh = xhr ? xhr.getResponseHeader("X-Aftersale-Session-Token") : null;
    if (fresh && !appBridge()) {
      current = fresh;
    }
  });

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

  // The composer: Enter sends, Shift+Enter is a new line; the draft is kept per conversation
  // (localStorage) so a reload or a wandering click does not lose it.
  function draftKey(form) {
    return form ? form.getAttribute("data-draft-key") : null;
  }

  function storage() {
    try {
      return window.localStorage;
    } catch (e) {
      return null; // storage blocked (private mode, embedded iframe policies)
    }
  }

  function setUpComposer() {
    var form = document.getElementById("composer");
    if (!form || form.hasAttribute("data-ready")) {
      return;
    }
    form.setAttribute("data-ready", "");
    var box = form.querySelector("[data-composer]");
    var key = draftKey(form);
    var store = storage();
    if (store && key) {
      if (form.hasAttribute("data-sent")) {
        store.removeItem(key);
      } else if (!box.value) {
        box.value = store.getItem(key) || "";
      }
    }
    if (box.hasAttribute("data-focus")) {
      box.focus();
      box.setSelectionRange(box.value.length, box.value.length);
    }
  }

  document.addEventListener("input", function (evt) {
    var box = evt.target;
    if (!box.matches || !box.matches("[data-composer]")) {
      return;
    }
    var store = storage();
    var key = draftKey(box.form);
    if (store && key) {
      if (box.value) {
        store.setItem(key, box.value);
      } else {
        store.removeItem(key);
      }
    }
  });

  document.addEventListener("keydown", function (evt) {
    var box = evt.target;
    if (!box.matches || !box.matches("[data-composer]")) {
      return;
    }
    // isComposing: Enter that confirms an IME candidate (Japanese, Chinese...) is not "send".
    if (evt.key === "Enter" && !evt.shiftKey && !evt.isComposing) {
      evt.preventDefault();
      if (box.value.trim()) {
        box.form.requestSubmit();
      }
    }
  });

  document.addEventListener("change", function (evt) {
    var select = evt.target;
    if (!select.matches || !select.matches("[data-canned]")) {
      return;
    }
    var option = select.options[select.selectedIndex];
    var body = option ? option.getAttribute("data-body") : "";
    var box = select.form.querySelector("[data-composer]");
    if (body && box) {
      box.value = box.value ? box.value.replace(/\s*$/, "\n\n") + body : body;
      box.dispatchEvent(new Event("input", { bubbles: true }));
      box.focus();
    }
    select.value = "";
  });

  document.addEventListener("DOMContentLoaded", setUpComposer);
  document.addEventListener("htmx:afterSettle", setUpComposer);
  document.addEventListener("DOMContentLoaded", markAppBridge);
  document.addEventListener("htmx:afterSettle", markAppBridge);
  markAppBridge();
})();
