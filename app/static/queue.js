// The phone's queue of what was taken without a network: one IndexedDB store, keyed in
// the order things were taken. The pages (offline.js) and the service worker (sw.js, for a
// form that found no network) write the same store through this one definition.
var zhifaQueue = (function () {
  'use strict';
  var dbp = null;
  function db() {
    if (!dbp) dbp = new Promise(function (resolve, reject) {
      var r = indexedDB.open('zhifa-offline', 1);
      r.onupgradeneeded = function () { r.result.createObjectStore('queue', { keyPath: 'n', autoIncrement: true }); };
      r.onsuccess = function () { resolve(r.result); };
      r.onerror = function () { dbp = null; reject(r.error); };
    });
    return dbp;
  }
  function store(mode, fn) {
    return db().then(function (d) {
      return new Promise(function (resolve, reject) {
        var t = d.transaction('queue', mode), req = fn(t.objectStore('queue'));
        t.oncomplete = function () { resolve(req ? req.result : undefined); };
        t.onerror = t.onabort = function () { reject(t.error || new Error('本机存储失败')); };
      });
    });
  }
  return {
    all: function () { return store('readonly', function (s) { return s.getAll(); }); },
    // put adds an item (answering its key) or, with its key n, replaces it.
    put: function (item) { return store('readwrite', function (s) { return s.put(item); }); },
    drop: function (n) { return store('readwrite', function (s) { return s.delete(n); }); }
  };
})();
