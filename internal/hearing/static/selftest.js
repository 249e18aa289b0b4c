// Device self-test: camera and microphone through getUserMedia, and the
// download speed from the timing of a fetch of a static file. No inline
// scripts (CSP).
(function () {
  'use strict';
  function $(id) { return document.getElementById(id); }
  function mark(el, key) { el.textContent = el.dataset[key]; el.className = key; }
  function bandwidth() {
    var el = $('st-bw');
    var url = (document.querySelector('script[src*="livekit-client"]') || document.querySelector('script[src]') || {}).src || '/static/app.js';
    var t0 = performance.now();
    fetch(url + (url.indexOf('?') < 0 ? '?' : '&') + 'selftest=' + Date.now(), { cache: 'no-store' })
      .then(function (r) { return r.arrayBuffer(); })
      .then(function (b) {
        var secs = (performance.now() - t0) / 1000;
        var kbps = (b.byteLength * 8 / 1000) / Math.max(secs, 0.001);
        mark(el, kbps >= 1000 ? 'good' : 'weak');
        el.textContent += ' (' + Math.round(kbps) + ' kbit/s)';
      })
      .catch(function () { mark(el, 'fail'); });
  }
  function start() {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      mark($('st-camera'), 'fail'); mark($('st-mic'), 'fail'); bandwidth(); return;
    }
    navigator.mediaDevices.getUserMedia({ video: true, audio: true }).then(function (stream) {
      $('selftest-video').srcObject = stream;
      mark($('st-camera'), stream.getVideoTracks().length ? 'ok' : 'fail');
      mark($('st-mic'), stream.getAudioTracks().length ? 'ok' : 'fail');
      var Ctx = window.AudioContext || window.webkitAudioContext;
      if (Ctx) {
        var ctx = new Ctx(), an = ctx.createAnalyser(), data = new Uint8Array(an.fftSize);
        ctx.createMediaStreamSource(stream).connect(an);
        (function tick() {
          an.getByteTimeDomainData(data);
          var peak = 0;
          for (var i = 0; i < data.length; i++) { peak = Math.max(peak, Math.abs(data[i] - 128) / 128); }
          $('st-level').value = peak;
          requestAnimationFrame(tick);
        })();
      }
    }).catch(function () { mark($('st-camera'), 'fail'); mark($('st-mic'), 'fail'); });
    bandwidth();
  }
  var b = $('st-start');
  if (b) { b.addEventListener('click', start); }
})();
