// zhifa's service worker: an officer's open cases keep working without a network. Pages
// and scripts come from the network when it answers and are kept; without it the kept
// copy is shown. Nothing is written here: what is taken offline waits in IndexedDB
// (offline.js) and is sent by the page.
'use strict';
importScripts('/static/queue.js');
var STATIC = 'zhifa-static-v1', PAGES = 'zhifa-pages-v1', MAX_PAGES = 60;
var SHELL = ['/static/app.css', '/static/queue.js', '/static/offline.js', '/static/case.js', '/static/signature.js',
  '/static/document.js', '/offline', '/static/icon-192.png'];
// The pages an officer works on in the field: the case list, a case, a document.
var KEPT = /^\/(cases|cases\/[0-9a-f-]{36}|documents\/[0-9a-f-]{36})$/;

self.addEventListener('install', function (e) {
  e.waitUntil(caches.open(STATIC).then(function (c) { return c.addAll(SHELL); }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener('activate', function (e) {
  e.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (n) { return n !== STATIC && n !== PAGES; }).map(function (n) { return caches.delete(n); }));
  }).then(function () { return self.clients.claim(); }));
});

// A kept page drops the one-time message it was rendered with: a message shows once.
// It keeps its headers (the CSP among them) and says when it was kept, for the page to show.
function keepable(res) {
  var headers = new Headers(res.headers), at = new Date().toISOString();
  return res.text().then(function (html) {
    html = html.replace(/<div class="flash" role="status" data-testid="page-flash">[^<]*<\/div>/, '')
      .replace('<head>', '<head>\n<meta name="zhifa-kept" content="' + at + '">');
    headers.delete('Content-Length');
    headers.delete('Content-Encoding'); // the text is decoded
    return new Response(html, { status: 200, headers: headers });
  });
}

function keepPage(path, res) {
  return keepable(res).then(function (copy) {
    return caches.open(PAGES).then(function (c) {
      return c.delete(path).then(function () { return c.put(path, copy); }).then(function () { return c.keys(); })
        .then(function (keys) {
          // Oldest first: keys come in the order they were put.
          return Promise.all(keys.slice(0, Math.max(0, keys.length - MAX_PAGES)).map(function (k) { return c.delete(k); }));
        });
    });
  });
}

// keepForm puts a document form that found no network in the queue offline.js sends
// (the same store and item), and opens the document's kept page, which lists it.
var FORM = /^\/documents\/([0-9a-f-]{36})\/(fields|signatures)$/;
function keepForm(url, req) {
  var m = url.pathname.match(FORM);
  if (!m) return Promise.reject(new Error('not kept'));
  return req.formData().then(function (form) {
    var fields = [], meta = {};
    form.forEach(function (v, k) {
      if (typeof v !== 'string') return;
      if (k === '_by' || k === '_case' || k === '_case_number') meta[k] = v; else fields.push([k, v]);
    });
    if (!meta._by) throw new Error('not kept');
    var item = { id: self.crypto.randomUUID(), user: meta._by, type: 'form', caseID: meta._case || '', docID: m[1],
      action: url.pathname, fields: fields, label: m[2] === 'fields' ? '文书内容' : '签名', caseNumber: meta._case_number || '',
      deviceAt: new Date().toISOString(), status: 'waiting' };
    return zhifaQueue.put(item).then(function () { return Response.redirect('/documents/' + m[1], 303); });
  });
}

function offlinePage() {
  return caches.match('/offline').then(function (r) { return r || new Response('网络不可用', { status: 503, headers: { 'Content-Type': 'text/plain; charset=utf-8' } }); });
}

self.addEventListener('fetch', function (e) {
  var req = e.request, url = new URL(req.url);
  if (url.origin !== self.location.origin) return;
  if (req.method !== 'GET') {
    // A document's contents or a signature posted on a network that looked up but did not
    // answer is kept, as the page keeps it offline; any other form cannot be: say so.
    if (req.mode === 'navigate') {
      var copy = req.clone();
      e.respondWith(fetch(req).catch(function () { return keepForm(url, copy).catch(offlinePage); }));
    }
    return;
  }
  if (url.pathname === '/login') {
    // Signed out (or the session ended): the kept pages hold people's data; drop them.
    // Offline, nobody can sign in, and the officer's pages stay.
    e.respondWith(fetch(req).then(function (res) {
      return caches.delete(PAGES).then(function () { return res; });
    }).catch(offlinePage));
    return;
  }
  if (url.pathname.indexOf('/static/') === 0) {
    e.respondWith(fetch(req).then(function (res) {
      if (res.ok) {
        var copy = res.clone();
        caches.open(STATIC).then(function (c) { return c.put(url.pathname, copy); });
      }
      return res;
    }).catch(function () {
      return caches.match(url.pathname).then(function (r) { return r || Response.error(); });
    }));
    return;
  }
  if (req.mode !== 'navigate') return;
  e.respondWith(fetch(req).then(function (res) {
    var landed = new URL(res.url || req.url);
    // A page that must not be stored (a one-time code) is never kept.
    var stored = !/no-store/.test(res.headers.get('Cache-Control') || '');
    var kept = KEPT.test(url.pathname) && !url.search;
    if (res.ok && res.type === 'basic' && stored && kept && landed.pathname === url.pathname) {
      e.waitUntil(keepPage(url.pathname, res.clone()));
    } else if (kept && (res.status === 403 || res.status === 404 || res.status === 410)) {
      // No longer this officer's to see: the kept copy goes too.
      e.waitUntil(caches.open(PAGES).then(function (c) { return c.delete(url.pathname); }));
    }
    return res;
  }).catch(function () {
    return (url.search ? Promise.resolve(null) : caches.match(url.pathname, { cacheName: PAGES })).then(function (r) { return r || offlinePage(); });
  }));
});

// The case page asks to keep its draft documents, so they can be filled and signed
// offline even if not opened yet.
self.addEventListener('message', function (e) {
  var d = e.data || {};
  if (d.type !== 'keep' || !Array.isArray(d.paths)) return;
  e.waitUntil(Promise.all(d.paths.filter(function (p) { return KEPT.test(p); }).map(function (p) {
    return fetch(p, { credentials: 'same-origin' }).then(function (res) {
      if (res.ok && new URL(res.url).pathname === p && !/no-store/.test(res.headers.get('Cache-Control') || '')) return keepPage(p, res);
    }).catch(function () { /* tried again on the next visit */ });
  })));
});
