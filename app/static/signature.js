// The signature pad: a finger's strokes on a canvas, kept as points in the pad's CSS
// pixels and sent as JSON; the server draws the image from them.
(function () {
  'use strict';
  var form = document.getElementById('sign-form');
  if (!form) return;
  var canvas = document.getElementById('sign-pad');
  var hidden = document.getElementById('sign-strokes');
  var role = document.getElementById('sign-role');
  var ctx = canvas.getContext('2d');
  var strokes = [], current = null;

  function box() { return canvas.getBoundingClientRect(); }
  function fit() {
    var r = box(), dpr = window.devicePixelRatio || 1;
    canvas.width = Math.round(r.width * dpr);
    canvas.height = Math.round(r.height * dpr);
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    draw();
  }
  function point(e) {
    var r = box();
    var x = Math.min(Math.max(e.clientX - r.left, 0), r.width);
    var y = Math.min(Math.max(e.clientY - r.top, 0), r.height);
    return [Math.round(x * 10) / 10, Math.round(y * 10) / 10];
  }
  function draw() {
    var r = box();
    ctx.clearRect(0, 0, r.width, r.height);
    ctx.lineWidth = 3; ctx.lineCap = 'round'; ctx.lineJoin = 'round'; ctx.strokeStyle = '#000';
    strokes.forEach(function (s) {
      ctx.beginPath();
      ctx.moveTo(s[0][0], s[0][1]);
      if (s.length === 1) ctx.lineTo(s[0][0] + 0.1, s[0][1]);
      for (var i = 1; i < s.length; i++) ctx.lineTo(s[i][0], s[i][1]);
      ctx.stroke();
    });
  }
  function sync() {
    var r = box();
    hidden.value = strokes.length ? JSON.stringify({ width: Math.round(r.width), height: Math.round(r.height), strokes: strokes }) : '';
  }
  canvas.addEventListener('pointerdown', function (e) {
    try { canvas.setPointerCapture(e.pointerId); } catch (_) { /* a pointer the browser no longer tracks */ }
    current = [point(e)];
    strokes.push(current);
    draw();
    e.preventDefault();
  });
  canvas.addEventListener('pointermove', function (e) {
    if (!current) return;
    var evs = e.getCoalescedEvents ? e.getCoalescedEvents() : [e];
    (evs.length ? evs : [e]).forEach(function (ev) { current.push(point(ev)); });
    draw();
  });
  ['pointerup', 'pointercancel', 'lostpointercapture'].forEach(function (t) {
    canvas.addEventListener(t, function () { current = null; sync(); });
  });
  document.getElementById('sign-clear').addEventListener('click', function () { strokes = []; sync(); draw(); });
  function roleChanged() {
    var officer = role.value === 'officer';
    document.getElementById('sign-officer').hidden = !officer;
    document.getElementById('sign-name').hidden = officer;
  }
  role.addEventListener('change', roleChanged);
  roleChanged();
  form.addEventListener('submit', function (e) {
    sync();
    if (!hidden.value) {
      e.preventDefault();
      var err = form.querySelector('.error');
      if (!err) {
        err = document.createElement('div');
        err.className = 'error'; err.setAttribute('role', 'alert');
        form.insertBefore(err, form.firstChild);
      }
      err.textContent = '请签字人在签名框内签名后再确认。';
    }
  });
  // A signature kept on the phone without a network leaves the pad for the next signer.
  form.addEventListener('zhifa:kept', function () { strokes = []; sync(); draw(); });
  window.addEventListener('resize', function () { fit(); });
  fit();
})();
