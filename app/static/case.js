// Adds a record with its photos, recordings and videos. Files go to MinIO in parts over
// presigned URLs; a part that fails is retried, and after a dropped connection the
// upload asks zhifa which parts arrived and sends only the rest.
(function () {
  'use strict';
  var form = document.getElementById('record-form');
  if (!form) return;
  var caseID = form.dataset.case, csrf = form.dataset.csrf;
  var chosen = document.getElementById('chosen');
  var inputs = [document.getElementById('capture'), document.getElementById('files')];
  var files = [];

  function el(tag, text) { var e = document.createElement(tag); if (text) e.textContent = text; return e; }
  function size(n) { return n >= 1048576 ? (n / 1048576).toFixed(1) + ' MB' : Math.ceil(n / 1024) + ' KB'; }

  inputs.forEach(function (input) {
    input.addEventListener('change', function () {
      Array.prototype.forEach.call(input.files, function (f) {
        var li = el('li');
        li.appendChild(el('div', f.name + '（' + size(f.size) + '）'));
        var bar = el('progress'); bar.max = 1; bar.value = 0; li.appendChild(bar);
        var status = el('div', '待上传'); status.className = 'muted'; li.appendChild(status);
        var item = { file: f, bar: bar, status: status };
        var remove = el('button', '移除'); remove.type = 'button'; remove.className = 'secondary';
        remove.addEventListener('click', function () {
          files.splice(files.indexOf(item), 1);
          li.remove();
          if (item.uploadID) api('DELETE', '/api/v1/uploads/' + item.uploadID).catch(function () {});
        });
        li.appendChild(remove);
        chosen.appendChild(li);
        files.push(item);
      });
      input.value = '';
    });
  });

  function api(method, path, body) {
    return fetch(path, {
      method: method, credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf, 'Accept': 'application/json' },
      body: body ? JSON.stringify(body) : undefined
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (j) {
        if (!r.ok) {
          var e = new Error((j.error && j.error.message) || ('请求失败（' + r.status + '）'));
          e.status = r.status; throw e;
        }
        return j;
      });
    });
  }

  // The browser hashes files it can hold in memory; zhifa hashes every file again when
  // the upload completes, and shows that hash.
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
      x.onerror = x.ontimeout = function () { reject(new Error('网络中断')); };
      x.send(blob);
    });
  }

  function wait(ms) { return new Promise(function (r) { setTimeout(r, ms); }); }
  function online() {
    return navigator.onLine ? Promise.resolve() : new Promise(function (r) { window.addEventListener('online', r, { once: true }); });
  }

  // send uploads the parts zhifa says are missing, and starts over from that question
  // after any failure, waiting for the network to come back.
  function send(item, up, tries) {
    var f = item.file, done = {};
    up.received.forEach(function (p) { done[p.number] = p.size; });
    function sentBytes() { var n = 0; for (var k in done) n += done[k]; return n; }
    var chain = Promise.resolve();
    up.parts.forEach(function (p) {
      chain = chain.then(function () {
        var start = (p.number - 1) * up.part_size, blob = f.slice(start, Math.min(start + up.part_size, f.size));
        return putPart(p.url, blob, function (loaded) {
          item.bar.value = (sentBytes() + loaded) / f.size;
        }).then(function () { done[p.number] = blob.size; item.bar.value = sentBytes() / f.size; });
      });
    });
    return chain.catch(function (err) {
      if (tries >= 8) throw err;
      item.status.textContent = err.message + '，等待网络后续传……';
      return online().then(function () { return wait(Math.min(30000, 1000 * Math.pow(2, tries))); })
        .then(function () { return api('GET', '/api/v1/uploads/' + up.upload_id); })
        .then(function (fresh) { item.status.textContent = '续传中（已收到 ' + fresh.received.length + ' 片）'; return send(item, fresh, tries + 1); });
    });
  }

  // stage sends one file before its record exists; zhifa checks it as it lands and keeps
  // it ready. A file already staged (a retry after another file was refused) is kept.
  function stage(item) {
    if (item.uploadID && item.ready) return Promise.resolve(item.uploadID);
    var f = item.file;
    item.status.textContent = '计算校验值……';
    return sha256(f).then(function (hash) {
      item.status.textContent = '上传中';
      return api('POST', '/api/v1/cases/' + caseID + '/uploads',
        { filename: f.name, content_type: f.type || '', size: f.size, sha256: hash });
    }).then(function (up) {
      item.uploadID = up.upload_id;
      return send(item, up, 0).then(function () {
        item.status.textContent = '核对中……';
        return api('POST', '/api/v1/uploads/' + up.upload_id + '/complete');
      });
    }).then(function (up) {
      item.ready = true;
      item.bar.value = 1;
      item.status.textContent = '已上传，SHA-256 ' + up.sha256 + '，保存记录后计入全过程记录';
      return up.upload_id;
    }).catch(function (err) {
      item.failed = true;
      item.status.textContent = '未能上传：' + err.message;
      item.status.className = 'error';
      throw new Error('文件“' + f.name + '”：' + err.message + '。请移除该文件后再保存，记录未保存');
    });
  }

  // The message for a record just saved shows once, on the case page it lands on.
  var saved = null;
  try { saved = sessionStorage.getItem('zhifa-recorded'); sessionStorage.removeItem('zhifa-recorded'); } catch (e) { /* private mode */ }
  if (saved && saved.split(' ')[0] === caseID) {
    var note = el('div', '已保存第 ' + saved.split(' ')[1] + ' 条记录');
    note.className = 'flash'; note.setAttribute('role', 'status'); note.setAttribute('data-testid', 'record-saved');
    var main = document.querySelector('main');
    main.insertBefore(note, main.firstChild);
  }

  form.addEventListener('submit', function (ev) {
    ev.preventDefault();
    var button = document.getElementById('record-submit');
    button.disabled = true;
    var kind = form.kind.value, note = form.note.value, body = { kind: kind, note: note };
    if (kind === 'collective') {
      body.participants = form.participants.value.split(/[、,，;；\s]+/).filter(function (s) { return s; });
    }
    // Files first, the record last: the record and its files enter the chain together,
    // and a refused file leaves no record behind.
    var ids = [], chain = Promise.resolve();
    files.forEach(function (item) {
      chain = chain.then(function () { return stage(item); }).then(function (id) { ids.push(id); });
    });
    chain.then(function () {
      if (ids.length) body.upload_ids = ids;
      return api('POST', '/api/v1/cases/' + caseID + '/records', body);
    }).then(function (rec) {
      // Open the case afresh, never reload: after a refused move the address is the move's,
      // and a reload would send that move again.
      try { sessionStorage.setItem('zhifa-recorded', caseID + ' ' + rec.seq); } catch (e) { /* private mode */ }
      window.location.assign('/cases/' + caseID);
    }).catch(function (err) {
      button.disabled = false;
      var old = form.querySelector('[data-testid=record-error]');
      if (old) old.remove();
      var msg = el('div', err.message); msg.className = 'error'; msg.setAttribute('role', 'alert');
      msg.setAttribute('data-testid', 'record-error'); msg.tabIndex = -1;
      form.insertBefore(msg, form.firstChild.nextSibling);
      msg.focus();
    });
  });
})();
