// record.js keeps the hearing record current on /hearings/{id}/record: the
// element #record-live (data-live: the event stream, data-refresh: its own
// fresh HTML) is replaced whenever the stream announces a newer version,
// and the page reloaded when the record moves to another stage (signing).
// On the clerk's page it also records a short piece of audio and asks for a
// speech-to-text suggestion, which the clerk may copy into the entry form;
// nothing is written into the record without the clerk submitting it.
(function () {
  "use strict";
  function watch(el) {
    var src = new EventSource(el.getAttribute("data-live"));
    var pending = false;
    var refresh = function (ev) {
      try {
        var c = JSON.parse(ev.data);
        if (c.version && String(c.version) === el.getAttribute("data-version")) return;
      } catch (e) { /* refresh anyway */ }
      if (pending) return;
      pending = true;
      fetch(el.getAttribute("data-refresh"), { credentials: "same-origin", headers: { "HX-Request": "true" } })
        .then(function (res) { return res.ok ? res.text() : null; })
        .then(function (html) {
          pending = false;
          if (!html) return;
          var tpl = document.createElement("template");
          tpl.innerHTML = html.trim();
          var fresh = tpl.content.firstElementChild;
          if (fresh && fresh.id === el.id) {
            src.close();
            // A new stage of the record (closed for signing, reopened,
            // final) changes the forms around the live part: load the
            // whole page again, unless the reader is typing in one.
            var typing = document.activeElement && /^(INPUT|TEXTAREA|SELECT)$/.test(document.activeElement.tagName);
            if (fresh.getAttribute("data-state") !== el.getAttribute("data-state") && !typing) {
              window.location.reload();
              return;
            }
            el.replaceWith(fresh);
            watch(fresh);
          }
        })
        .catch(function () { pending = false; });
    };
    src.addEventListener("record", refresh);
  }

  function csrf() {
    var h = document.body.getAttribute("hx-headers");
    try { return h ? JSON.parse(h) : {}; } catch (e) { return {}; }
  }

  function stt() {
    var box = document.getElementById("stt");
    var btn = document.getElementById("stt-record");
    if (!box || !btn || box.getAttribute("data-on") !== "1") return;
    if (!window.MediaRecorder || !navigator.mediaDevices) { btn.hidden = true; return; }
    var rec = null, chunks = [];
    btn.addEventListener("click", function () {
      if (rec && rec.state === "recording") { rec.stop(); return; }
      navigator.mediaDevices.getUserMedia({ audio: true }).then(function (stream) {
        chunks = [];
        rec = new MediaRecorder(stream);
        rec.ondataavailable = function (e) { if (e.data.size) chunks.push(e.data); };
        rec.onstop = function () {
          stream.getTracks().forEach(function (t) { t.stop(); });
          btn.textContent = btn.getAttribute("data-label-wait");
          btn.disabled = true;
          var blob = new Blob(chunks, { type: rec.mimeType || "audio/webm" });
          var headers = csrf();
          headers["Content-Type"] = (rec.mimeType || "audio/webm").split(";")[0];
          fetch("/api/v1/hearings/" + encodeURIComponent(box.getAttribute("data-hearing")) + "/record/suggestions",
            { method: "POST", credentials: "same-origin", headers: headers, body: blob })
            .then(function (res) { return res.ok ? res.json() : Promise.reject(res.status); })
            .then(function (s) {
              document.getElementById("stt-text").textContent = s.text || "";
              document.getElementById("stt-suggestion").hidden = false;
            })
            .catch(function () { window.alert(btn.getAttribute("data-label-failed")); })
            .then(function () {
              btn.disabled = false;
              btn.textContent = btn.getAttribute("data-label-start");
            });
        };
        rec.start();
        btn.textContent = btn.getAttribute("data-label-stop");
      }).catch(function () { window.alert(btn.getAttribute("data-label-failed")); });
    });
    document.getElementById("stt-use").addEventListener("click", function () {
      var ta = document.getElementById("t-text");
      var add = document.getElementById("stt-text").textContent;
      ta.value = ta.value ? ta.value + "\n" + add : add;
      ta.focus();
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var el = document.getElementById("record-live");
    if (el) watch(el);
    stt();
  });
})();
