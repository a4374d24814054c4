// Search-as-you-type pick-lists: a long list (a bureau's 141 officers, a county's 1,400
// matters, 73 agencies) is a search field over the server's own list API, and what is
// chosen shows as chips, each a hidden form field. The markup works without this script
// for what is already chosen; the script adds the search.
//
// <div class="picker" data-source="/api/v1/officers?status=active" data-name="handler_ids"
//      data-label="name" data-detail="cert_no">   (data-single="true": one choice at most)
//   <ul class="chips">…<li data-id="…"><input type="hidden" name="handler_ids" value="…">名 <button class="chip-x">×</button></li></ul>
//   <input type="search" class="pick-q"> <ul class="pick-results"></ul>
// </div>
(function () {
  'use strict';

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text) e.textContent = text;
    return e;
  }

  function setup(box) {
    var q = box.querySelector('.pick-q'), list = box.querySelector('.pick-results'), chips = box.querySelector('.chips');
    var name = box.dataset.name, label = box.dataset.label || 'name', detail = box.dataset.detail || '';
    var timer = null, seq = 0, quiet = false; // quiet: focus came back after a pick, not a new search

    function chosen(id) { return !!chips.querySelector('li[data-id="' + id + '"]'); }

    function addChip(item) {
      if (chosen(item.id)) return;
      if (box.dataset.single) chips.textContent = ''; // one choice: a new pick replaces it
      var li = el('li');
      li.dataset.id = item.id;
      var hidden = el('input');
      hidden.type = 'hidden'; hidden.name = name; hidden.value = item.id;
      li.appendChild(hidden);
      li.appendChild(document.createTextNode(item[label] + (detail && item[detail] ? '（' + item[detail] + '）' : '') + ' '));
      var x = el('button', 'chip-x', '×');
      x.type = 'button';
      x.setAttribute('aria-label', '移除 ' + item[label]);
      li.appendChild(x);
      chips.appendChild(li);
      box.dispatchEvent(new Event('change', { bubbles: true }));
    }

    chips.addEventListener('click', function (e) {
      if (e.target.classList.contains('chip-x')) {
        e.target.parentNode.remove();
        q.focus();
      }
    });

    function show(items) {
      list.textContent = '';
      items.forEach(function (item) {
        var li = el('li');
        var b = el('button', 'pick-option', item[label]);
        b.type = 'button';
        b.dataset.id = item.id;
        if (detail && item[detail]) b.appendChild(el('span', 'muted', ' ' + item[detail]));
        if (chosen(item.id)) { b.disabled = true; b.appendChild(el('span', 'muted', ' 已选')); }
        b.addEventListener('click', function () { addChip(item); list.textContent = ''; q.value = ''; quiet = true; q.focus(); });
        li.appendChild(b);
        list.appendChild(li);
      });
      if (!items.length) list.appendChild(el('li', 'muted', '没有找到，请换个关键词'));
    }

    function search() {
      var mine = ++seq, sep = box.dataset.source.indexOf('?') < 0 ? '?' : '&';
      fetch(box.dataset.source + sep + 'page_size=10&q=' + encodeURIComponent(q.value.trim()), {
        credentials: 'same-origin', headers: { 'Accept': 'application/json' }
      }).then(function (r) { return r.ok ? r.json() : { items: [] }; })
        .then(function (j) { if (mine === seq) show(j.items || []); })
        .catch(function () { if (mine === seq) { list.textContent = ''; list.appendChild(el('li', 'error', '网络不通，请稍后再试')); } });
    }

    q.addEventListener('input', function () { clearTimeout(timer); timer = setTimeout(search, 200); });
    q.addEventListener('focus', function () {
      if (!quiet && !list.children.length) search();
      quiet = false;
    });
    q.addEventListener('keydown', function (e) {
      if (e.key === 'Enter') { // Enter picks the first result instead of sending the form
        e.preventDefault();
        var first = list.querySelector('.pick-option:not([disabled])');
        if (first) first.click();
      }
    });
    box.classList.add('ready');
  }

  Array.prototype.forEach.call(document.querySelectorAll('.picker'), setup);
})();
