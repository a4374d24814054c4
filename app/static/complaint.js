// The public complaint form: solves the submission challenge in the browser (proof of
// work instead of a CAPTCHA), then sends the complaint with its files in one request.
// What was typed stays on the form if the complaint is refused; the error shows above it.
(function () {
  'use strict';
  var form = document.getElementById('complaint-form');
  if (!form) { return; }
  var errorBox = document.getElementById('complaint-error');
  var button = document.getElementById('complaint-submit');
  var anon = document.getElementById('anonymous');
  var named = document.getElementById('named');
  anon.addEventListener('change', function () { named.hidden = anon.checked; });

  function zeros(bytes) {
    var n = 0;
    for (var i = 0; i < bytes.length; i++) {
      if (bytes[i] === 0) { n += 8; continue; }
      var b = bytes[i];
      while ((b & 0x80) === 0) { n++; b <<= 1; }
      return n;
    }
    return n;
  }

  // solve tries nonces in batches of 512 digests at a time until one has enough zeros.
  function solve(challenge, difficulty) {
    var enc = new TextEncoder();
    var start = 0;
    function batch() {
      var jobs = [];
      for (var i = 0; i < 512; i++) {
        jobs.push(crypto.subtle.digest('SHA-256', enc.encode(challenge + ':' + (start + i))));
      }
      return Promise.all(jobs).then(function (hs) {
        for (var i = 0; i < hs.length; i++) {
          if (zeros(new Uint8Array(hs[i])) >= difficulty) { return String(start + i); }
        }
        start += 512;
        return batch();
      });
    }
    return batch();
  }

  function fail(msg, field) {
    errorBox.textContent = msg;
    errorBox.hidden = false;
    form.querySelectorAll('[aria-invalid]').forEach(function (el) { el.removeAttribute('aria-invalid'); });
    var el = field && document.getElementById(field === 'files' ? 'files' : field);
    if (el) { el.setAttribute('aria-invalid', 'true'); }
    button.disabled = false;
    button.textContent = '提交投诉';
    errorBox.scrollIntoView({ block: 'start' });
  }

  form.addEventListener('submit', function (ev) {
    ev.preventDefault();
    errorBox.hidden = true;
    button.disabled = true;
    button.textContent = '正在校验…';
    fetch('/public/api/complaints/challenge', { credentials: 'same-origin' })
      .then(function (r) { if (!r.ok) { throw new Error('暂时无法提交，请稍后再试'); } return r.json(); })
      .then(function (ch) {
        return solve(ch.challenge, ch.difficulty).then(function (nonce) {
          button.textContent = '正在提交…';
          var data = new FormData(form);
          data.set('challenge', ch.challenge);
          data.set('nonce', nonce);
          return fetch('/public/api/complaints', { method: 'POST', body: data, credentials: 'same-origin' });
        });
      })
      .then(function (r) {
        return r.json().then(function (body) {
          if (!r.ok) {
            var e = (body && body.error) || {};
            fail(e.message || '提交未成功，请稍后再试', e.field);
            return;
          }
          form.hidden = true;
          document.getElementById('done-number').textContent = body.number;
          document.getElementById('done-deadline').textContent = body.decide_by;
          document.getElementById('done-code').textContent = body.tracking_code;
          document.getElementById('done-track').href = '/public/complaints/track?code=' + encodeURIComponent(body.tracking_code);
          var done = document.getElementById('complaint-done');
          done.hidden = false;
          done.scrollIntoView({ block: 'start' });
        });
      })
      .catch(function (err) { fail(err.message || '网络中断，投诉未提交，请重试'); });
  });
})();
