/*
 * Aftersale storefront chat widget. Plain JavaScript, no dependencies, no third-party requests.
 * Source of truth: static/widget/ (`make widget` copies it into the theme app extension).
 *
 * <script src=".../aftersale-chat.js" defer data-aftersale-chat
 *         data-api-base="/apps/aftersale/chat"   (Shopify App Proxy; or https://app/api/chat)
 *         data-widget-key="wk_..."               (non-Shopify storefronts only)
 *         data-customer-claim="..."              (a logged-in customer, signed by the store)
 *         data-shop="shop.myshopify.com"         (scopes the saved conversation)
 *         data-color="#1a73e8" data-greeting="..." data-agent-name="..." (optional overrides)
 *         data-stylesheet=".../aftersale-chat.css"></script>
 *
 * Every piece of text from the network is inserted with textContent; only http(s) URLs
 * become links. Nothing is built until the page has loaded and the stylesheet has arrived.
 */
(function () {
  'use strict';
  var script = document.currentScript || document.querySelector('script[data-aftersale-chat]');
  if (!script || window.AftersaleChat) return;
  window.AftersaleChat = {};

  var data = script.dataset;
  var API = (data.apiBase || '/apps/aftersale/chat').replace(/\/+$/, '');
  var KEY = data.widgetKey || '';
  var CLAIM = data.customerClaim || '';
  var SCOPE = 'aftersale-chat:' + (data.shop || KEY || location.host);
  var CSS = data.stylesheet || script.src.replace(/\.js(\?|#|$)/, '.css$1');
  var MAX = 2000;
  var HANDOFF = "I'd like to talk to a person, please.";
  var SLOW_MS = 45000;
  var REQUEST_MS = 15000;
  var URLS = /https?:\/\/[^\s<>"'`]+/gi;

  var S = {
    conv: null, after: 0, seen: {}, working: false, since: 0, open: false, ready: false,
    timer: 0, delay: 0, failures: 0, chain: Promise.resolve(), unread: false, name: 'Support',
    outbox: [], flushing: false
  };
  var ui = {};

  /* ---------- storage: survives reloads and navigation, scoped to the shop ---------- */
  var memory = {};
  function storeGet(area, key) {
    try { return window[area].getItem(key); } catch (e) { return memory[area + key] || null; }
  }
  function storeSet(area, key, value) {
    memory[area + key] = value;
    try {
      if (value === null) window[area].removeItem(key); else window[area].setItem(key, value);
    } catch (e) { /* storage blocked: memory only */ }
  }
  function loadConversation() {
    try {
      var v = JSON.parse(storeGet('localStorage', SCOPE));
      if (v && typeof v.id === 'number' && typeof v.token === 'string') return v;
    } catch (e) { /* corrupt entry: start afresh */ }
    return null;
  }
  function saveConversation(v) {
    storeSet('localStorage', SCOPE, v ? JSON.stringify({ id: v.id, token: v.token }) : null);
  }

  /* ---------- HTTP ---------- */
  function api(method, path, params, body) {
    var query = [];
    if (KEY) query.push('key=' + encodeURIComponent(KEY));
    if (KEY && CLAIM) query.push('customer_claim=' + encodeURIComponent(CLAIM));
    Object.keys(params || {}).forEach(function (k) {
      query.push(k + '=' + encodeURIComponent(params[k]));
    });
    var ctrl = window.AbortController ? new AbortController() : null;
    var timer = ctrl && setTimeout(function () { ctrl.abort(); }, REQUEST_MS);
    var init = { method: method, headers: { Accept: 'application/json' }, signal: ctrl && ctrl.signal };
    if (body) {
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    var url = API + path + (query.length ? '?' + query.join('&') : '');
    return fetch(url, init).then(function (res) {
      clearTimeout(timer);
      return res.text().then(function (text) {
        var json = null;
        try { json = text ? JSON.parse(text) : {}; } catch (e) { /* not JSON */ }
        if (res.ok && json) return json;
        var err = new Error((json && json.detail) || 'HTTP ' + res.status);
        err.status = res.status;
        err.detail = json && json.detail;
        err.retryAfter = parseInt(res.headers.get('Retry-After'), 10) || (json && json.retry_after) || 0;
        throw err;
      });
    }, function () {
      clearTimeout(timer);
      var err = new Error('network');
      err.status = 0;
      throw err;
    });
  }

  function friendly(err) {
    if (err.status === 429) {
      return "You're sending messages a little too fast. Please wait " + (err.retryAfter || 30) +
        ' seconds and try again.';
    }
    if ((err.status === 400 || err.status === 413) && err.detail) return err.detail;
    if (!err.status) return "We couldn't reach the chat. Please check your connection and try again.";
    if (err.status >= 500) return 'Something went wrong on our side. Please try again in a moment.';
    return 'Sorry, something went wrong. Please try again.';
  }

  /* One request at a time per tab: a poll never races a send. */
  function queue(task) {
    var p = S.chain.then(task);
    S.chain = p.catch(function () {});
    return p;
  }

  /* ---------- DOM helpers ---------- */
  function el(tag, attrs, kids) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === 'text') node.textContent = attrs[k];
      else if (k === 'class') node.className = attrs[k];
      else node.setAttribute(k, attrs[k]);
    });
    (kids || []).forEach(function (kid) { node.appendChild(kid); });
    return node;
  }
  function icon(d) {
    var ns = 'http://www.w3.org/2000/svg';
    var svg = document.createElementNS(ns, 'svg');
    svg.setAttribute('viewBox', '0 0 24 24');
    svg.setAttribute('aria-hidden', 'true');
    svg.setAttribute('focusable', 'false');
    var path = document.createElementNS(ns, 'path');
    path.setAttribute('d', d);
    svg.appendChild(path);
    return svg;
  }
  function safeHref(candidate) {
    try {
      var u = new URL(candidate);
      return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : null;
    } catch (e) { return null; }
  }
  /* Text as text; http(s) URLs as links that open a new tab without access to this page. */
  function renderText(node, text) {
    var last = 0;
    var match;
    URLS.lastIndex = 0;
    while ((match = URLS.exec(text))) {
      var url = match[0].replace(/[.,;:!?)\]}]+$/, '');
      var href = safeHref(url);
      node.appendChild(document.createTextNode(text.slice(last, match.index)));
      if (href) {
        var a = el('a', { href: href, target: '_blank', rel: 'noopener noreferrer', text: url });
        a.appendChild(el('span', { class: 'asc-sr', text: ' (opens in a new tab)' }));
        node.appendChild(a);
      } else {
        node.appendChild(document.createTextNode(url));
      }
      last = match.index + url.length;
      URLS.lastIndex = last;
    }
    node.appendChild(document.createTextNode(text.slice(last)));
  }

  /* ---------- messages ---------- */
  function bubble(role, text, id, author) {
    var person = role === 'human_agent';
    var who = role === 'customer' ? 'You' : person ? (author || 'Support team') : S.name;
    var body = el('p', { class: 'asc-text' });
    renderText(body, text);
    /* A person's reply carries their name visibly: the shopper should know who answers. */
    var label = person ? el('span', { class: 'asc-who', text: who })
      : el('span', { class: 'asc-sr', text: who + ' said: ' });
    var node = el('div', { class: 'asc-msg asc-msg--' + role }, [label, body]);
    if (id) node.setAttribute('data-id', String(id));
    return node;
  }
  function insert(node, id) {
    var kids = ui.log.children;
    for (var i = 0; i < kids.length; i++) {
      var other = kids[i].getAttribute('data-id');
      if (id && (!other && kids[i].classList.contains('asc-msg--pending') || Number(other) > id)) {
        ui.log.insertBefore(node, kids[i]);
        return scrollDown();
      }
    }
    ui.log.appendChild(node);
    scrollDown();
  }
  function scrollDown() { ui.log.scrollTop = ui.log.scrollHeight; }
  function nearBottom() { return ui.log.scrollHeight - ui.log.scrollTop - ui.log.clientHeight < 48; }
  function addMessage(m) {
    S.after = Math.max(S.after, m.id);
    if (S.seen[m.id]) return;
    S.seen[m.id] = true;
    insert(bubble(m.role, m.text, m.id, m.author), m.id);
    if (m.role !== 'customer' && !S.open) setUnread(true);
  }
  /* A random id per message, reused on every retry: the server keeps one copy whatever
     the network did with the earlier tries. */
  function messageId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = new Uint8Array(16);
    crypto.getRandomValues(b);
    b[6] = (b[6] & 15) | 64; b[8] = (b[8] & 63) | 128;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join('');
    return h.slice(0, 8) + '-' + h.slice(8, 12) + '-' + h.slice(12, 16) + '-' + h.slice(16, 20) + '-' + h.slice(20);
  }
  function pending(text, kind) {
    var node = bubble('customer', text);
    node.classList.add('asc-msg--pending');
    var state = el('span', { class: 'asc-msg-state', text: 'Sending\u2026' });
    var again = el('button', { type: 'button', class: 'asc-msg-retry', text: 'Retry' });
    again.hidden = true;
    again.addEventListener('click', function () { flush(); });
    node.appendChild(el('span', { class: 'asc-msg-foot' }, [state, again]));
    ui.log.appendChild(node);
    scrollDown();
    return {
      node: node, text: text, kind: kind || '', id: messageId(),
      sending: function () {
        node.classList.remove('asc-msg--failed'); state.textContent = 'Sending\u2026'; again.hidden = true;
      },
      waiting: function () { state.textContent = 'Waiting to send\u2026'; again.hidden = true; },
      failed: function () {
        node.classList.add('asc-msg--failed'); state.textContent = 'Not sent'; again.hidden = false;
      },
      done: function (m) {
        node.classList.remove('asc-msg--pending', 'asc-msg--failed');
        node.removeChild(state.parentNode);
        S.seen[m.id] = true;
        node.setAttribute('data-id', String(m.id));
        ui.log.removeChild(node);
        insert(node, m.id);
      }
    };
  }

  /* ---------- status: typing, errors, notices ---------- */
  function setWorking(on) {
    if (on && !S.working) S.since = Date.now();
    S.working = !!on;
    var slow = S.working && Date.now() - S.since > SLOW_MS;
    ui.typing.hidden = !S.working || slow;
    ui.typingText.textContent = S.working && !slow ? S.name + ' is typing\u2026' : '';
    if (slow) {
      showError('This is taking longer than usual. You can wait a little longer, try again, ' +
        'or use "Talk to a person".', tick, 'poll');
    }
  }
  /* kind: 'send' errors stay until a send succeeds; 'poll' errors clear on the next good poll. */
  function showError(text, retry, kind) {
    /* A poll problem never replaces the notice about unsent messages: a later good poll
       would clear it while they are still unsent. */
    if (kind === 'poll' && S.outbox.length && !S.flushing) return;
    var same = !ui.error.hidden && ui.errorText.textContent === text;
    S.retry = retry || null;
    S.errorKind = kind || 'send';
    if (same) return; /* an alert is announced once, not on every poll */
    ui.errorText.textContent = text;
    ui.retry.hidden = !retry;
    ui.error.hidden = false;
  }
  function clearError(kind) {
    if (kind && S.errorKind !== kind) return;
    ui.error.hidden = true;
    S.retry = null;
  }
  function notice(text) { insert(el('p', { class: 'asc-notice', text: text })); }
  function setTeam(on) { ui.team.hidden = !on; }
  function setUnread(on) {
    S.unread = on;
    ui.launcher.classList.toggle('asc-unread', on);
    launcherLabel();
  }
  function launcherLabel() {
    ui.launcher.setAttribute('aria-label', S.open ? 'Close chat'
      : S.unread ? 'Open chat (new message)' : 'Open chat');
  }

  /* ---------- talking to the API ---------- */
  function forget() {
    S.conv = null;
    S.after = 0;
    saveConversation(null);
    setWorking(false);
  }
  function ensureConversation() {
    if (S.conv) return Promise.resolve(S.conv);
    return api('POST', '/conversations', {}, {}).then(function (res) {
      S.conv = { id: res.conversation.id, token: res.token };
      S.after = 0;
      saveConversation(S.conv);
      return S.conv;
    });
  }
  function poll() {
    var conv = S.conv;
    if (!conv) return Promise.resolve();
    var path = '/conversations/' + conv.id + '/messages';
    return api('GET', path, { token: conv.token, after: S.after }).then(function (res) {
      if (S.conv !== conv) return null;
      if (res.messages.length) S.delay = 0; /* something happened: look again soon */
      res.messages.forEach(addMessage);
      setTeam(res.conversation.with_team);
      setWorking(res.agent_working);
      return res.more ? poll() : null;
    }, function (err) {
      if (err.status === 404 && S.conv === conv) {
        forget();
        notice('Your previous chat has ended. Send a message to start a new one.');
        return null;
      }
      throw err;
    });
  }
  function schedule(ms) {
    clearTimeout(S.timer);
    if (S.conv) S.timer = setTimeout(tick, ms);
  }
  /* Fast while the agent works, slower when idle, slowest when closed or hidden. */
  function nextDelay() {
    if (S.working) S.delay = S.delay && S.delay < 3000 ? Math.min(S.delay * 1.3, 3000) : 700;
    else if (!S.open) S.delay = 30000;
    else S.delay = S.delay >= 3000 ? Math.min(S.delay * 1.5, 15000) : 3000;
    return document.hidden ? Math.max(S.delay, 30000) : S.delay;
  }
  function tick() {
    clearTimeout(S.timer);
    queue(poll).then(function () {
      S.failures = 0;
      if (!S.working || Date.now() - S.since <= SLOW_MS) clearError('poll');
      setWorking(S.working);
      schedule(nextDelay());
    }, function (err) {
      S.failures += 1;
      if (S.open) showError(friendly(err), tick, 'poll');
      var backoff = Math.min(30000, 2000 * Math.pow(2, S.failures));
      schedule(Math.max((err.retryAfter || 0) * 1000, backoff));
    });
  }
  /* Messages leave in the order they were written: one at a time from the outbox. When one
     fails, it and everything after it wait (each keeps its place and a Retry) and the
     banner stays until the outbox is empty. */
  function flush() {
    if (S.flushing || !S.outbox.length) return;
    S.flushing = true;
    clearError('send');
    S.outbox.forEach(function (item, i) { if (i) item.waiting(); });
    deliver(S.outbox[0], false);
  }
  function deliver(item, fresh) {
    item.sending();
    queue(function () {
      return ensureConversation().then(function (conv) {
        var path = '/conversations/' + conv.id + '/messages';
        var body = { text: item.text, client_message_id: item.id };
        if (item.kind) body.kind = item.kind;
        return api('POST', path, { token: conv.token }, body);
      });
    }).then(function (res) {
      item.done(res.message);
      S.outbox.shift();
      setTeam(res.conversation.with_team);
      setWorking(res.agent_working);
      S.delay = 0;
      schedule(600);
      if (S.outbox.length) return deliver(S.outbox[0], false);
      S.flushing = false;
      clearError('send');
      return null;
    }, function (err) {
      if (err.status === 404 && !fresh) {
        /* The server no longer accepts our conversation token (expired or revoked): start
           a new conversation and send there, same message id. */
        forget();
        notice('Your previous chat has ended; this continues in a new one.');
        return deliver(item, true);
      }
      var handoff = -1;
      S.outbox.forEach(function (waiting, i) { if (waiting.kind === 'handoff' && handoff < 0) handoff = i; });
      if (err.status === 429 && handoff > 0) {
        /* The message limit does not apply to asking for a person: send that first. */
        var person = S.outbox.splice(handoff, 1)[0];
        S.outbox.unshift(person);
        item.failed();
        return deliver(person, false);
      }
      S.flushing = false;
      S.outbox.forEach(function (waiting) { waiting.failed(); });
      showError(friendly(err) + (S.outbox.length > 1 ? ' ' + S.outbox.length + ' messages are not sent yet.' : ''),
        flush, 'send');
      if (err.status === 429 && err.retryAfter) {
        clearTimeout(S.resend);
        S.resend = setTimeout(flush, err.retryAfter * 1000 + 250);
      }
      return null;
    });
  }
  function send(text, kind) {
    text = text.replace(/^\s+|\s+$/g, '');
    if (!text) {
      ui.count.textContent = 'Please type a message.';
      return;
    }
    if (text.length > MAX) {
      showError('Messages can be at most 2,000 characters long.');
      return;
    }
    var item = pending(text, kind);
    /* Behind a message in flight it waits its turn; behind failed ones, sending retries them
       all, in order. A request for a person goes first: it has its own server-side limit,
       so a rate-limited message ahead of it must not hold it back. */
    if (kind === 'handoff' && !S.flushing) S.outbox.unshift(item);
    else S.outbox.push(item);
    if (S.flushing) item.waiting();
    else flush();
  }

  /* ---------- opening, closing, keyboard ---------- */
  function setOpen(open, focusTarget) {
    S.open = open;
    ui.panel.hidden = !open;
    ui.root.classList.toggle('asc-is-open', open);
    ui.launcher.setAttribute('aria-expanded', String(open));
    launcherLabel();
    storeSet('sessionStorage', SCOPE + ':open', open ? '1' : null);
    if (open) {
      setUnread(false);
      if (focusTarget !== false) ui.input.focus();
      if (S.conv) tick();
    } else {
      if (focusTarget !== false) ui.launcher.focus();
      schedule(nextDelay());
    }
  }
  function updateCount() {
    var left = MAX - ui.input.value.length;
    ui.count.textContent = left < 200 ? left + ' characters left' : '';
    ui.input.style.height = 'auto';
    ui.input.style.height = Math.min(ui.input.scrollHeight, 120) + 'px';
  }

  function build(cfg) {
    S.name = data.agentName || cfg.agent_name || 'Support';
    var color = /^#[0-9a-f]{6}$/i.test(data.color || '') ? data.color
      : /^#[0-9a-f]{6}$/i.test(cfg.color || '') ? cfg.color : '#1a73e8';
    var greeting = data.greeting || cfg.greeting || 'Hi! How can we help you today?';

    ui.launcher = el('button', {
      type: 'button', class: 'asc-launcher', 'aria-expanded': 'false',
      'aria-controls': 'asc-panel', 'aria-label': 'Open chat'
    }, [icon('M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z')]);
    ui.close = el('button', { type: 'button', class: 'asc-close', 'aria-label': 'Close chat' },
      [icon('M6 6l12 12M18 6L6 18')]);
    ui.log = el('div', {
      class: 'asc-log', role: 'log', 'aria-live': 'polite', 'aria-label': 'Chat messages',
      tabindex: '0'
    }, [bubble('assistant', greeting)]);
    ui.typingText = el('span', { class: 'asc-sr' });
    ui.typing = el('div', { class: 'asc-typing' }, [
      el('span', { class: 'asc-dots', 'aria-hidden': 'true' }, [el('i'), el('i'), el('i')])
    ]);
    ui.typing.hidden = true;
    ui.team = el('p', { class: 'asc-team', text: 'A person from our team will reply here.' });
    ui.team.hidden = true;
    ui.errorText = el('p', { class: 'asc-error-text' });
    ui.retry = el('button', { type: 'button', class: 'asc-retry', text: 'Try again' });
    ui.error = el('div', { class: 'asc-error', role: 'alert' }, [ui.errorText, ui.retry]);
    ui.error.hidden = true;
    ui.input = el('textarea', {
      id: 'asc-input', class: 'asc-input', rows: '1', maxlength: String(MAX),
      placeholder: 'Type your message\u2026', 'aria-describedby': 'asc-count', autocomplete: 'off'
    });
    ui.count = el('span', { id: 'asc-count', class: 'asc-count', 'aria-live': 'polite' });
    ui.sendBtn = el('button', { type: 'submit', class: 'asc-send', 'aria-label': 'Send message' },
      [icon('M3 20l18-8L3 4v6l12 2-12 2z')]);
    ui.form = el('form', { class: 'asc-form' }, [
      el('label', { for: 'asc-input', class: 'asc-sr', text: 'Message to ' + S.name }),
      ui.input, ui.sendBtn
    ]);
    ui.human = el('button', { type: 'button', class: 'asc-human', text: 'Talk to a person' });
    ui.panel = el('section', {
      id: 'asc-panel', class: 'asc-panel', role: 'dialog', 'aria-modal': 'false',
      'aria-labelledby': 'asc-title'
    }, [
      el('header', { class: 'asc-header' }, [
        el('div', {}, [
          el('h2', { id: 'asc-title', class: 'asc-title', text: S.name }),
          el('p', { class: 'asc-subtitle', text: cfg.store_name ? cfg.store_name + ' support' : 'Customer support' })
        ]),
        ui.close
      ]),
      ui.log, ui.typing,
      el('div', { class: 'asc-status', role: 'status' }, [ui.typingText]),
      ui.team, ui.error, ui.form,
      el('div', { class: 'asc-footer' }, [ui.count, ui.human])
    ]);
    ui.panel.hidden = true;
    ui.root = el('div', { class: 'asc-root' }, [ui.panel, ui.launcher]);
    ui.root.style.setProperty('--asc-accent', color);
    ui.root.style.setProperty('--asc-on-accent', onAccent(color));

    ui.launcher.addEventListener('click', function () { setOpen(!S.open); });
    ui.close.addEventListener('click', function () { setOpen(false); });
    ui.retry.addEventListener('click', function () { if (S.retry) S.retry(); });
    ui.human.addEventListener('click', function () { send(HANDOFF, 'handoff'); });
    ui.form.addEventListener('submit', function (e) {
      e.preventDefault();
      var text = ui.input.value;
      if (text.replace(/\s+/g, '')) ui.input.value = '';
      send(text);
      updateCount();
      ui.input.focus();
    });
    ui.input.addEventListener('input', updateCount);
    /* The phone keyboard opening shrinks the viewport: keep the newest message in view. */
    var pinned = true;
    ui.log.addEventListener('scroll', function () { pinned = nearBottom(); });
    function keepPinned() { if (pinned) scrollDown(); }
    if (window.ResizeObserver) new ResizeObserver(keepPinned).observe(ui.log);
    if (window.visualViewport) window.visualViewport.addEventListener('resize', keepPinned);
    ui.input.addEventListener('keydown', function (e) {
      if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
        e.preventDefault();
        ui.form.requestSubmit ? ui.form.requestSubmit() : ui.sendBtn.click();
      }
    });
    ui.panel.addEventListener('keydown', function (e) {
      if (e.key === 'Escape') { e.stopPropagation(); setOpen(false); }
    });
    document.body.appendChild(ui.root);
  }

  /* Text on the accent colour: white unless that fails WCAG contrast, then near-black. */
  function onAccent(hex) {
    var c = [1, 3, 5].map(function (i) {
      var v = parseInt(hex.substr(i, 2), 16) / 255;
      return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
    });
    var lum = 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
    return 1.05 / (lum + 0.05) >= 4.5 ? '#ffffff' : '#111111';
  }

  /* Another tab started or dropped the conversation: follow it. */
  function onStorage(e) {
    if (e.key !== SCOPE) return;
    var next = loadConversation();
    if (next && (!S.conv || next.id !== S.conv.id)) {
      if (S.conv) { /* a different conversation: show only its messages */
        ui.log.querySelectorAll('.asc-msg[data-id]').forEach(function (n) { n.remove(); });
        S.seen = {};
      }
      S.conv = next;
      S.after = 0;
      tick();
    }
  }

  function start(cfg) {
    build(cfg || {});
    S.conv = loadConversation();
    window.addEventListener('storage', onStorage);
    document.addEventListener('visibilitychange', function () {
      if (!document.hidden && S.conv) tick();
    });
    window.AftersaleChat.open = function () { setOpen(true); };
    window.AftersaleChat.close = function () { setOpen(false); };
    ui.root.setAttribute('data-ready', 'true');
    if (storeGet('sessionStorage', SCOPE + ':open')) setOpen(true, false);
    else if (S.conv) tick();
  }

  /* After the page has loaded: our stylesheet and config never compete with the shop's. */
  function boot() {
    var link = el('link', { rel: 'stylesheet', href: CSS });
    var config = api('GET', '/config').catch(function () { return {}; });
    var styled = new Promise(function (resolve, reject) {
      link.onload = resolve;
      link.onerror = reject;
    });
    document.head.appendChild(link);
    Promise.all([config, styled]).then(function (r) { start(r[0]); }, function () {
      if (window.console) console.warn('Aftersale chat: stylesheet failed to load');
    });
  }
  if (document.readyState === 'complete') boot();
  else window.addEventListener('load', boot);
})();
