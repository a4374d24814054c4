// The document page: an error is brought into view where its form is; the service form
// shows only the chosen way's fields; a signature is not taken over unsaved values; a
// draft is deleted only when confirmed.
(function () {
  'use strict';
  var err = document.querySelector('.error[tabindex="-1"]');
  if (err) {
    err.scrollIntoView({ block: 'center' });
    err.focus({ preventScroll: true });
  }
  var method = document.getElementById('serve-method');
  if (method) {
    var show = function () {
      document.querySelectorAll('[data-for]').forEach(function (el) {
        el.hidden = el.getAttribute('data-for').split(' ').indexOf(method.value) < 0;
      });
    };
    method.addEventListener('change', show);
    show();
  }
  var fields = document.querySelector('[data-testid=fields-form]');
  var sign = document.getElementById('sign-form');
  if (fields && sign) {
    var dirty = false;
    fields.addEventListener('input', function () { dirty = true; });
    // Contents kept on the phone without a network go before the signature in the queue.
    fields.addEventListener('zhifa:kept', function () { dirty = false; });
    sign.addEventListener('submit', function (e) {
      if (!dirty) return;
      e.preventDefault();
      var box = sign.querySelector('.error');
      if (!box) {
        box = document.createElement('div');
        box.className = 'error';
        box.setAttribute('role', 'alert');
        sign.insertBefore(box, sign.firstChild);
      }
      box.textContent = '文书内容有改动还没有保存：请先按“保存内容”，再请签字人核对后签名。';
      box.scrollIntoView({ block: 'center' });
    }, true);
  }
  document.querySelectorAll('form[data-confirm]').forEach(function (f) {
    f.addEventListener('submit', function (e) {
      if (!window.confirm(f.getAttribute('data-confirm'))) e.preventDefault();
    });
  });
})();
