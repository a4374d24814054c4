// Work without a network. Every signed-in page registers the service worker that keeps
// the officer's open cases (sw.js). What an officer takes while offline — a record with its
// photos, recordings and videos, a document's contents, a signature — waits in IndexedDB
// with the phone's time and, where allowed, its position, survives closing the browser,
// and is sent in the order it was taken once the network returns. zhifa keeps both the
// phone's time and its own, and flags a record whose case moved on meanwhile.
(function () {
  'use strict';
  var meta = document.querySelector('meta[name=zhifa-user]');
  var offlinePage = document.querySelector('[data-offline-page]');
  // The offline page is the same for everyone; it shows the queue of whoever last signed in here.
  var me = meta ? meta.content : (offlinePage ? localStorage.getItem('zhifa-user') : null);
  if (!me) return;
  if (meta) try { localStorage.setItem('zhifa-user', me); } catch (e) { /* private mode */ }
  if ('serviceWorker' in navigator) {
    navigator.serviceWorker.register('/sw.js').catch(function () { /* pages still work online */ });
    // The page that installed the worker was fetched before it: have it kept too.
    if (meta && !navigator.serviceWorker.controller) {
      navigator.serviceWorker.addEventListener('controllerchange', function () {
        navigator.serviceWorker.controller.postMessage({ type: 'keep', paths: [location.pathname] });
      }, { once: true });
    }
  }

  var csrf = (document.querySelector('input[name=_csrf]') || {}).value || '';
  var stateLabels = { filed: '已立案', investigating: '调查取证', notified: '已告知', hearing: '听证', review: '法制审核',
    decided: '已决定', served: '已送达', executed: '已执行', closed: '已结案', archived: '已归档', withdrawn: '已撤案', transferred: '已移送司法机关' };

  function el(tag, text, cls) { var e = document.createElement(tag); if (text) e.textContent = text; if (cls) e.className = cls; return e; }
  // Times read as the pages print them: Beijing time, whatever zone the phone is set to.
  var beijing = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit',
    hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });
  function clock(iso) {
    var p = {};
    beijing.formatToParts(new Date(iso)).forEach(function (x) { p[x.type] = x.value; });
    return p.year + '-' + p.month + '-' + p.day + ' ' + p.hour + ':' + p.minute + ':' + p.second;
  }
  function newID() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return 'q' + Date.now().toString(16) + Math.random().toString(16).slice(2);
  }

  // ---- the queue: one object store, keyed in the order things were taken ----
  var all = zhifaQueue.all, put = zhifaQueue.put, drop = zhifaQueue.drop;

  // position asks the phone where it is only if the officer already allowed it.
  function position() {
    if (!navigator.geolocation || !navigator.permissions) return Promise.resolve(null);
    return navigator.permissions.query({ name: 'geolocation' }).then(function (p) {
      if (p.state !== 'granted') return null;
      return new Promise(function (resolve) {
        navigator.geolocation.getCurrentPosition(function (pos) {
          resolve({ lat: pos.coords.latitude, lng: pos.coords.longitude });
        }, function () { resolve(null); }, { timeout: 4000, maximumAge: 120000 });
      });
    }).catch(function () { return null; });
  }

  function enqueue(item) {
    if (item.type === 'form' && /\/fields$/.test(item.action)) {
      // A document's contents saved again offline replace the last unsent save, in its place.
      return all().then(function (items) {
        // Only into the document's last item, and only one not being sent: contents saved
        // after a signature come after it (and are refused), never before it.
        var prev = items.filter(function (i) { return i.user === me && i.docID === item.docID; }).pop();
        if (!prev || prev.action !== item.action || prev.status !== 'waiting') return add(item);
        prev.fields = item.fields;
        prev.deviceAt = new Date().toISOString();
        return put(prev).then(function () { render(); return prev; });
      });
    }
    return add(item);
  }
  function add(item) {
    item.id = item.id || newID();
    item.user = me;
    item.deviceAt = new Date().toISOString();
    item.status = 'waiting';
    if (navigator.storage && navigator.storage.persist) navigator.storage.persist().catch(function () {});
    return position().then(function (pos) {
      if (pos) item.position = pos;
      return put(item);
    }).then(function (n) { item.n = n; render(); return item; });
  }

  // ---- talking to zhifa ----
  function api(method, path, body, key) {
    var h = { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf, 'Accept': 'application/json' };
    if (key) h['Idempotency-Key'] = key;
    return fetch(path, { method: method, credentials: 'same-origin', headers: h, body: body ? JSON.stringify(body) : undefined })
      .catch(function () { var e = new Error('网络不可用'); e.network = true; throw e; })
      .then(function (r) {
        return r.json().catch(function () { return {}; }).then(function (j) {
          if (!r.ok) {
            var e = new Error((j.error && j.error.message) || ('请求失败（' + r.status + '）'));
            e.status = r.status; e.field = j.error && j.error.field; throw e;
          }
          return j;
        });
      });
  }

  // The browser hashes files it can hold in memory; zhifa hashes every file again.
  function sha256(f) {
    if (!window.crypto || !crypto.subtle || f.size > 64 * 1048576) return Promise.resolve('');
    return f.arrayBuffer().then(function (b) { return crypto.subtle.digest('SHA-256', b); }).then(function (h) {
      return Array.prototype.map.call(new Uint8Array(h), function (x) { return ('0' + x.toString(16)).slice(-2); }).join('');
    });
  }
  function putPart(url, blob, onProgress) {
    return new Promise(function (resolve, reject) {
      var x = new XMLHttpRequest();
      x.open('PUT', url);
      x.upload.onprogress = function (e) { onProgress(e.loaded); };
      x.onload = function () { x.status === 200 ? resolve() : reject(new Error('分片被拒绝（' + x.status + '）')); };
      x.onerror = x.ontimeout = function () { var e = new Error('网络中断'); e.network = true; reject(e); };
      x.send(blob);
    });
  }
  function wait(ms) { return new Promise(function (r) { setTimeout(r, ms); }); }
  function online() {
    return navigator.onLine ? Promise.resolve() : new Promise(function (r) { window.addEventListener('online', r, { once: true }); });
  }

  // sendParts uploads the parts zhifa says are missing, and starts over from that question
  // after a failure. Without a network at all it gives up at once, so what is being taken
  // can wait in the queue instead.
  function sendParts(f, up, tries, ui) {
    var done = {};
    up.received.forEach(function (p) { done[p.number] = p.size; });
    function sentBytes() { var n = 0; for (var k in done) n += done[k]; return n; }
    var chain = Promise.resolve();
    up.parts.forEach(function (p) {
      chain = chain.then(function () {
        var start = (p.number - 1) * up.part_size, blob = f.slice(start, Math.min(start + up.part_size, f.size));
        return putPart(p.url, blob, function (loaded) { ui.progress((sentBytes() + loaded) / f.size); })
          .then(function () { done[p.number] = blob.size; ui.progress(sentBytes() / f.size); });
      });
    });
    return chain.catch(function (err) {
      if (tries >= 8 || !navigator.onLine) throw err;
      ui.status(err.message + '，等待网络后续传……');
      return online().then(function () { return wait(Math.min(30000, 1000 * Math.pow(2, tries))); })
        .then(function () { return api('GET', '/api/v1/uploads/' + up.upload_id); })
        .then(function (fresh) { ui.status('续传中（已收到 ' + fresh.received.length + ' 片）'); return sendParts(f, fresh, tries + 1, ui); });
    });
  }

  // stage sends one file before its record exists; zhifa checks it as it lands and keeps
  // it ready for the record. ui reports progress; started hears the upload's ID first.
  function stage(caseID, f, name, offline, ui, started) {
    ui.status('计算校验值……');
    return sha256(f).then(function (hash) {
      ui.status('上传中');
      return api('POST', '/api/v1/cases/' + caseID + '/uploads',
        { filename: name, content_type: f.type || '', size: f.size, sha256: hash, offline: !!offline });
    }).then(function (up) {
      started(up.upload_id);
      return sendParts(f, up, 0, ui).then(function () {
        ui.status('核对中……');
        return api('POST', '/api/v1/uploads/' + up.upload_id + '/complete');
      });
    });
  }

  // pendingFor counts what waits for a case: a record taken now goes behind it.
  function pendingFor(caseID) {
    return all().then(function (items) { return items.filter(function (i) { return i.user === me && i.caseID === caseID && i.type === 'record'; }).length; })
      .catch(function () { return 0; });
  }

  window.zhifa = { api: api, stage: stage, enqueue: enqueue, clock: clock, pendingFor: pendingFor, sync: function () { return sync(); }, setCSRF: function (t) { csrf = t; } };

  // ---- sending the queue ----
  var quiet = { progress: function () {}, status: function () {} };
  var note = null; // what was sent while this page is open; another page does not repeat it

  // resume finishes an upload a closed page left half sent: zhifa says which parts it holds
  // and the rest go. Anything amiss (expired, refused) starts the file afresh instead.
  function resume(f) {
    if (!f.uploadID) return Promise.resolve(false);
    return api('GET', '/api/v1/uploads/' + f.uploadID).then(function (up) {
      return (up.ready ? Promise.resolve() : sendParts(f.blob, up, 0, quiet).then(function () {
        return api('POST', '/api/v1/uploads/' + f.uploadID + '/complete');
      })).then(function () { return true; });
    }).catch(function (err) {
      if (err.network) throw err;
      f.uploadID = null;
      return false;
    });
  }

  function sendRecord(it) {
    var chain = Promise.resolve();
    it.files.forEach(function (f) {
      chain = chain.then(function () {
        if (f.ready) return;
        return resume(f).then(function (done) {
          if (done) return;
          return stage(it.caseID, f.blob, f.name, true, quiet, function (id) {
            f.uploadID = id;
            put(it).catch(function () {}); // a later run resumes this upload
          });
        }).then(function () {
          f.ready = true;
          return put(it); // a second run sends the same record, with the same files
        });
      });
    });
    return chain.then(function () {
      var body = { kind: it.kind, note: it.note, capture: { device_at: it.deviceAt, state: it.state } };
      if (it.participants && it.participants.length) body.participants = it.participants;
      if (it.position) body.location = it.position;
      if (it.files.length) body.upload_ids = it.files.map(function (f) { return f.uploadID; });
      return api('POST', '/api/v1/cases/' + it.caseID + '/records', body, it.id);
    });
  }

  // A document's contents or a signature is the page's own form, sent as it was filled.
  function sendForm(it) {
    var body = new URLSearchParams();
    it.fields.forEach(function (kv) { if (kv[0] !== '_csrf' && kv[0] !== '_once') body.append(kv[0], kv[1]); });
    body.append('_csrf', csrf);
    body.append('_once', it.id);
    return fetch(it.action, { method: 'POST', credentials: 'same-origin', body: body, headers: { 'Idempotency-Key': it.id } })
      .catch(function () { var e = new Error('网络不可用'); e.network = true; throw e; })
      .then(function (r) {
        var landed = new URL(r.url, location.href).pathname;
        if (landed === '/login') { var a = new Error('登录已失效'); a.status = 401; throw a; }
        if (r.ok && r.redirected) return {};
        return r.text().then(function (html) {
          var doc = new DOMParser().parseFromString(html, 'text/html');
          var msg = doc.querySelector('form .error[role=alert]');
          var page = msg || doc.querySelector('main [role=alert]');
          var e = new Error(page ? page.textContent.replace(/\s+/g, ' ').trim() : ('提交失败（' + r.status + '）'));
          e.status = r.status;
          // No form said what was wrong (a request still running, a page error): try again later.
          e.retry = !msg && r.status === 409;
          throw e;
        });
      });
  }

  function outcome(it, rec) {
    var text = it.label + '（手机时间 ' + clock(it.deviceAt) + '）已上传';
    if (rec && rec.seq) text += '，为第 ' + rec.seq + ' 条记录';
    var d = rec && rec.data, warn = false;
    if (d && d.received_in) { text += '；记录时案件处于“' + (stateLabels[it.state] || it.state) + '”，上传时已为“' + (stateLabels[d.received_in] || d.received_in) + '”'; warn = true; }
    if (d && d.late) { text += '；案件已结束，记为迟到记录'; warn = true; }
    return { text: text, warn: warn, caseID: it.caseID };
  }

  var running = false, authLost = false;
  function sync() {
    if (running || !navigator.onLine) return Promise.resolve();
    running = true;
    var run = function () {
      return all().then(function (items) {
        var mine = items.filter(function (i) { return i.user === me; });
        if (!mine.length) return;
        // The page may be older than the session: take its CSRF token afresh.
        return api('GET', '/api/v1/me').then(function (who) {
          authLost = false;
          if (who.csrf) csrf = who.csrf;
          if (who.id !== me) return;
          return loop(mine, 0, {}, []);
        });
      });
    };
    var p = navigator.locks ? navigator.locks.request('zhifa-offline-sync', run) : run();
    return p.catch(function (err) {
      if (err.status === 401 || err.status === 403) authLost = true;
    }).then(function () { running = false; render(); });
  }

  function loop(items, i, blocked, sent) {
    if (i >= items.length) {
      if (sent.length) note = (note || []).concat(sent);
      return Promise.resolve();
    }
    var it = items[i];
    // What was taken later waits behind a refused item of its kind: the case's records keep
    // the order taken, and a document's contents come before its signatures.
    var line = it.type === 'record' ? 'r:' + it.caseID : 'd:' + it.docID;
    if (it.status === 'refused' || blocked[line]) {
      blocked[line] = true;
      return loop(items, i + 1, blocked, sent);
    }
    render('sending', it.n);
    it.status = 'sending';
    return put(it).then(function () {
      return it.type === 'record' ? sendRecord(it) : sendForm(it);
    }).then(function (rec) {
      sent.push(outcome(it, rec));
      return drop(it.n);
    }, function (err) {
      if (err.status === 409 && err.field === 'Idempotency-Key') {
        // The page sent this record just before the network went, and zhifa wrote it then.
        sent.push({ text: it.label + '（手机时间 ' + clock(it.deviceAt) + '）在断网前已保存，未重复上传', caseID: it.caseID });
        return drop(it.n);
      }
      if (err.network || !err.status || err.status >= 500 || err.status === 429 || err.status === 401 || err.retry ||
          (err.status === 409 && /正在处理中/.test(err.message))) {
        if (sent.length) note = (note || []).concat(sent);
        it.status = 'waiting';
        return put(it).then(function () { throw err; });
      }
      if (err.status === 422 && err.field === 'upload_ids') {
        // A staged file expired before its record was sent: send the files again next time,
        // and what the case took later waits behind it.
        it.files.forEach(function (f) { f.ready = false; f.uploadID = null; });
        it.status = 'waiting';
        blocked[line] = true;
        return put(it);
      }
      it.status = 'refused';
      it.error = err.message;
      blocked[line] = true;
      return put(it);
    }).then(function () { render(); return loop(items, i + 1, blocked, sent); });
  }

  // ---- what the officer sees ----
  function where() {
    var m = location.pathname.match(/^\/(cases|documents)\/([0-9a-f-]{36})$/);
    if (!m) return {};
    if (m[1] === 'cases') return { caseID: m[2] };
    var form = document.querySelector('[data-case-id]');
    return { docID: m[2], caseID: form ? form.getAttribute('data-case-id') : '' };
  }
  var here = where();

  var panel = null, sendingN = null;
  function render(phase, n) {
    sendingN = phase === 'sending' ? n : null;
    all().then(draw).catch(function () { /* private mode without IndexedDB: nothing is kept */ });
  }
  function draw(items) {
    var mine = items.filter(function (i) { return i.user === me; });
    var others = items.length - mine.length;
    var shown = here.caseID ? mine.filter(function (i) { return i.caseID === here.caseID; }) : mine;
    if (!meta) {
      // Nobody is signed in (the offline page): what waits is not shown, only how much.
      others += shown.length;
      mine = shown = [];
    }
    var main = document.querySelector('main');
    if (!main) return;
    if (!panel) {
      panel = el('section', '', 'card offline-queue');
      panel.id = 'offline-queue';
      panel.setAttribute('aria-live', 'polite');
      panel.setAttribute('data-testid', 'offline-queue');
      main.insertBefore(panel, main.firstChild);
    }
    panel.textContent = '';
    var off = !navigator.onLine;
    var keptAt = document.querySelector('meta[name=zhifa-kept]');
    if (!off && !mine.length && !others && !note && !authLost && !keptAt) { panel.hidden = true; return; }
    panel.hidden = false;
    if (keptAt) {
      var k = el('p', '这是本机保存的副本（保存于 ' + clock(keptAt.content) + '），显示的可能不是最新情况。', 'muted');
      k.setAttribute('data-testid', 'kept-copy');
      panel.appendChild(k);
    }
    if (off) {
      var b = el('p', '离线：记录、照片、录音录像、文书内容和签名保存在本机，联网后按拍摄顺序自动上传。', 'offline-banner');
      b.setAttribute('data-testid', 'offline-banner');
      panel.appendChild(b);
    }
    if (authLost && mine.length) {
      var p = el('p', '登录已失效，本机的离线记录未上传（仍保存在本机）。', 'late');
      var a = el('a', '重新登录后继续上传'); a.href = '/login?next=' + encodeURIComponent(location.pathname);
      p.appendChild(document.createTextNode(' ')); p.appendChild(a);
      panel.appendChild(p);
    }
    if (note) {
      var ok = el('ul', '', 'list');
      ok.setAttribute('data-testid', 'offline-sent');
      note.forEach(function (s) {
        var li = el('li', s.text, s.warn ? 'late' : '');
        if (s.warn) li.setAttribute('data-testid', 'offline-conflict');
        ok.appendChild(li);
      });
      panel.appendChild(el('h2', '离线内容已上传'));
      panel.appendChild(ok);
      if (here.caseID) {
        var again = el('a', here.docID ? '刷新页面查看文书' : '刷新页面查看全过程记录', 'button secondary');
        again.href = location.pathname;
        panel.appendChild(again);
      }
    }
    if (shown.length) {
      panel.appendChild(el('h2', '本机待上传（' + shown.length + '）'));
      var ul = el('ul', '', 'list');
      ul.setAttribute('data-testid', 'offline-pending');
      shown.forEach(function (it) {
        var li = el('li');
        li.setAttribute('data-n', it.n);
        var head = el('div');
        head.appendChild(el('b', it.label));
        if (!here.caseID && it.caseNumber) head.appendChild(document.createTextNode(' · ' + it.caseNumber));
        li.appendChild(head);
        var files = it.files && it.files.length ? ' · ' + it.files.length + ' 个文件' : '';
        li.appendChild(el('div', '手机时间 ' + clock(it.deviceAt) + files, 'muted'));
        if (it.status === 'refused') {
          li.appendChild(el('div', '未能上传：' + it.error, 'error'));
          var retry = el('button', '重试', 'secondary'); retry.type = 'button';
          retry.addEventListener('click', function () { it.status = 'waiting'; it.error = ''; put(it).then(sync); });
          var discard = el('button', '放弃这一条', 'secondary'); discard.type = 'button';
          discard.addEventListener('click', function () {
            if (window.confirm('放弃后这一条离线内容将从本机删除，不能恢复。确定放弃吗？')) drop(it.n).then(render);
          });
          var row = el('p', '', 'actions'); row.appendChild(retry); row.appendChild(discard);
          li.appendChild(row);
        } else {
          li.appendChild(el('div', sendingN === it.n ? '正在上传……' : (off ? '等待网络' : '等待上传'), 'muted'));
        }
        ul.appendChild(li);
      });
      panel.appendChild(ul);
    } else if (mine.length && here.caseID) {
      panel.appendChild(el('p', '其他案件还有 ' + mine.length + ' 条离线内容待上传。', 'muted'));
    }
    if (others) panel.appendChild(el('p', meta ? '本机另有 ' + others + ' 条其他账号的离线内容，待其登录后上传。' :
      '本机有 ' + others + ' 条离线内容，待记下它们的执法人员联网登录后上传。', 'muted'));
  }

  // ---- documents filled and signed offline ----
  // The page's own forms: without a network their contents wait in the queue and are
  // posted as they were filled once it returns.
  document.addEventListener('submit', function (e) {
    var form = e.target;
    if (e.defaultPrevented || navigator.onLine || !form.hasAttribute('data-offline')) return;
    e.preventDefault();
    var fields = [];
    new FormData(form).forEach(function (v, k) { if (typeof v === 'string') fields.push([k, v]); });
    enqueue({ type: 'form', caseID: here.caseID, docID: here.docID, action: form.getAttribute('action'),
      fields: fields, label: form.getAttribute('data-offline'), caseNumber: (document.querySelector('[data-case-number]') || { getAttribute: function () { return ''; } }).getAttribute('data-case-number') }).then(function (it) {
      var old = form.querySelector('[data-testid=offline-kept]');
      if (old) old.remove();
      var msg = el('div', form.getAttribute('data-offline') + '已保存在本机（手机时间 ' + clock(it.deviceAt) + '），联网后自动提交。', 'flash');
      msg.setAttribute('role', 'status'); msg.setAttribute('data-testid', 'offline-kept');
      form.insertBefore(msg, form.firstChild);
      form.dispatchEvent(new CustomEvent('zhifa:kept'));
      seenBySigner(fields);
    }, function (err) {
      window.alert('未能保存在本机：' + err.message);
    });
  });

  // seenBySigner: a signature carries the values the signer was shown (f.<key>); contents
  // kept offline are what the next signer sees.
  function seenBySigner(fields) {
    var sign = document.getElementById('sign-form');
    if (!sign) return;
    fields.forEach(function (kv) {
      var input = kv[0].indexOf('f.') === 0 && sign.querySelector('input[type=hidden][name="' + CSS.escape(kv[0]) + '"]');
      if (input) input.value = kv[1];
    });
  }

  // A document's contents changed offline show in its form until they are sent.
  if (here.docID) {
    all().then(function (items) {
      var form = document.querySelector('form[data-offline][action$="/fields"]');
      if (!form) return;
      items.filter(function (i) { return i.user === me && i.docID === here.docID && i.action === form.getAttribute('action'); })
        .forEach(function (it) {
          it.fields.forEach(function (kv) {
            var input = form.querySelector('[name="' + CSS.escape(kv[0]) + '"]');
            if (input && kv[0].indexOf('f.') === 0) input.value = kv[1];
          });
          seenBySigner(it.fields);
        });
    }).catch(function () {});
  }

  // The case page asks the service worker to keep its draft documents for offline use.
  if (here.caseID && !here.docID && navigator.onLine && navigator.serviceWorker) {
    navigator.serviceWorker.ready.then(function (reg) {
      var paths = Array.prototype.map.call(document.querySelectorAll('a[data-draft]'), function (a) { return a.getAttribute('href'); });
      if (paths.length && reg.active) reg.active.postMessage({ type: 'keep', paths: paths });
    });
  }

  // The offline page lists the pages kept on this phone.
  if (offlinePage && window.caches) {
    caches.open('zhifa-pages-v1').then(function (c) {
      return c.keys().then(function (reqs) {
        return Promise.all(reqs.map(function (r) {
          return c.match(r).then(function (res) { return res.text(); }).then(function (html) {
            var t = new DOMParser().parseFromString(html, 'text/html').title;
            return { path: new URL(r.url).pathname, title: t.replace(/ · 行政执法监督平台$/, '') };
          });
        }));
      });
    }).then(function (pages) {
      var ul = document.getElementById('kept-pages');
      ul.textContent = '';
      if (!pages.length) ul.appendChild(el('li', '本机没有保存的页面。', 'muted'));
      pages.reverse().forEach(function (p) {
        var li = el('li'), a = el('a', p.title || p.path);
        a.href = p.path; li.appendChild(a); ul.appendChild(li);
      });
    }).catch(function () {});
  }

  window.addEventListener('online', function () { render(); sync(); });
  window.addEventListener('offline', function () { render(); });
  render();
  sync();
  // A server that was down answers again without the phone noticing: try now and then.
  setInterval(function () { all().then(function (items) { if (items.some(function (i) { return i.user === me && i.status === 'waiting'; })) sync(); }); }, 30000);
})();
