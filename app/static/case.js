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

  var z = window.zhifa;

  // stage sends one file before its record exists (offline.js does the sending). A file
  // already staged (a retry after another file was refused) is kept.
  function stage(item) {
    if (item.uploadID && item.ready) return Promise.resolve(item.uploadID);
    var f = item.file;
    var ui = { progress: function (v) { item.bar.value = v; }, status: function (t) { item.status.textContent = t; } };
    return z.stage(caseID, f, f.name, false, ui, function (id) { item.uploadID = id; }).then(function (up) {
      item.ready = true;
      item.bar.value = 1;
      item.status.textContent = '已上传，SHA-256 ' + up.sha256 + '，保存记录后计入全过程记录';
      return up.upload_id;
    }).catch(function (err) {
      if (err.network) throw err; // kept on the phone instead
      item.failed = true;
      item.status.textContent = '未能上传：' + err.message;
      item.status.className = 'error';
      throw new Error('文件“' + f.name + '”：' + err.message + '。请移除该文件后再保存，记录未保存');
    });
  }

  // keep puts the record and its files in the phone's queue when there is no network.
  function keep(body, key, behind) {
    return z.enqueue({ id: key, type: 'record', caseID: caseID, caseNumber: form.dataset.number, state: form.dataset.state,
      kind: body.kind, note: body.note, participants: body.participants || [],
      label: form.kind.options[form.kind.selectedIndex].text,
      files: files.map(function (item) { return { name: item.file.name, type: item.file.type, size: item.file.size, blob: item.file }; })
    }).then(function (it) {
      files.forEach(function (item) {
        if (item.uploadID) z.api('DELETE', '/api/v1/uploads/' + item.uploadID).catch(function () {});
      });
      files = [];
      chosen.textContent = '';
      form.note.value = '';
      form.participants.value = '';
      var old = form.querySelector('[data-testid=offline-kept]');
      if (old) old.remove();
      var msg = el('div', behind ? '本机还有本案的记录待上传：这条记录（手机时间 ' + z.clock(it.deviceAt) + '）排在它们之后，按顺序上传。' :
        '没有网络：这条记录已保存在本机（手机时间 ' + z.clock(it.deviceAt) + '），联网后按顺序自动上传。');
      msg.className = 'flash'; msg.setAttribute('role', 'status'); msg.setAttribute('data-testid', 'offline-kept');
      form.insertBefore(msg, form.firstChild.nextSibling);
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
    // One key for this record, online or kept: if the network went just as zhifa wrote it,
    // the queue's later try is recognised, not written twice.
    var key = window.crypto && crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random();
    if (kind === 'collective') {
      body.participants = form.participants.value.split(/[、,，;；\s]+/).filter(function (s) { return s; });
    }
    // Files first, the record last: the record and its files enter the chain together,
    // and a refused file leaves no record behind.
    z.pendingFor(caseID).then(function (waiting) {
      // Without a network, or behind records still waiting: the chain keeps the order taken.
      if (!navigator.onLine || waiting) {
        keep(body, key, navigator.onLine).then(function () { button.disabled = false; z.sync(); }, fail);
        return;
      }
      save(body, key);
    });
  });

  function save(body, key) {
    var ids = [], chain = Promise.resolve();
    files.forEach(function (item) {
      chain = chain.then(function () { return stage(item); }).then(function (id) { ids.push(id); });
    });
    chain.then(function () {
      if (ids.length) body.upload_ids = ids;
      return z.api('POST', '/api/v1/cases/' + caseID + '/records', body, key);
    }).then(function (rec) {
      // Open the case afresh, never reload: after a refused move the address is the move's,
      // and a reload would send that move again.
      try { sessionStorage.setItem('zhifa-recorded', caseID + ' ' + rec.seq); } catch (e) { /* private mode */ }
      window.location.assign('/cases/' + caseID);
    }).catch(function (err) {
      // The network went while saving: the record waits on the phone, under the same key.
      if (err.network) return keep(body, key).then(function () { document.getElementById('record-submit').disabled = false; }, fail);
      fail(err);
    });
  }

  function fail(err) {
    document.getElementById('record-submit').disabled = false;
    var old = form.querySelector('[data-testid=record-error]');
    if (old) old.remove();
    var msg = el('div', err.message); msg.className = 'error'; msg.setAttribute('role', 'alert');
    msg.setAttribute('data-testid', 'record-error'); msg.tabIndex = -1;
    form.insertBefore(msg, form.firstChild.nextSibling);
    msg.focus();
  }
})();
