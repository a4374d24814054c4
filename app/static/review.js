// 全部合格 marks every checklist item 合格 in one tap; each item is still sent, and any
// can be changed before the conclusion is submitted.
(function () {
  'use strict';
  var button = document.getElementById('all-ok');
  if (!button) return;
  button.parentNode.classList.add('ready');
  button.addEventListener('click', function () {
    Array.prototype.forEach.call(document.querySelectorAll('#review-form input[type=radio][value=ok]'), function (r) {
      r.checked = true;
    });
  });
})();
