// live.js keeps the enforcement timeline of a case page current: it opens
// the server-sent event stream named by #timeline's data-live and adds each
// "node" event (the reader's own view of the node, already masked) to the
// timeline, or replaces the node when it is already there. After a
// reconnect the browser's EventSource resumes; nodes missed while away
// appear on the next load.
(function () {
  "use strict";
  var en = (document.documentElement.lang || "").indexOf("en") === 0;
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function fmtTime(iso) {
    try {
      return new Date(iso).toLocaleString(en ? "en-GB" : "zh-CN", { timeZone: "Asia/Shanghai", hour12: false });
    } catch (e) { return iso; }
  }
  function degrees(e6) {
    var s = e6 < 0 ? "-" : "";
    e6 = Math.abs(e6);
    var frac = String(e6 % 1000000);
    while (frac.length < 6) frac = "0" + frac;
    return s + Math.floor(e6 / 1000000) + "." + frac;
  }
  function render(list, v) {
    var li = el("li", "enf-node enf-new enf-cat-" + v.category);
    li.id = "node-" + v.id;
    li.setAttribute("data-node", v.id);
    li.setAttribute("data-kind", v.kind);
    var head = el("p", "enf-node-head");
    head.appendChild(el("strong", "", en ? v.name_en : v.name_zh));
    var t = el("time", "", fmtTime(v.recorded_at));
    t.setAttribute("datetime", v.recorded_at);
    head.appendChild(document.createTextNode(" "));
    head.appendChild(t);
    li.appendChild(head);
    if (v.text) li.appendChild(el("p", "", v.text));
    if (v.amount) li.appendChild(el("p", "", list.getAttribute("data-label-amount") + ": ¥" + v.amount));
    if (v.fields && v.fields.length) {
      var dl = el("dl", "enf-fields");
      v.fields.forEach(function (f) {
        dl.appendChild(el("dt", "", en ? f.label_en : f.label_zh));
        dl.appendChild(el("dd", "", f.value));
      });
      li.appendChild(dl);
    }
    if (v.position) {
      li.appendChild(el("p", "note", list.getAttribute("data-label-position") + ": " + degrees(v.position.lat_e6) + ", " +
        degrees(v.position.lon_e6) + " (±" + v.position.accuracy_m + " m)"));
    }
    if (v.attachments && v.attachments.length) {
      var p = el("p", "enf-files");
      v.attachments.forEach(function (a) {
        var link = el("a");
        link.href = "/api/v1/enforcement/attachments/" + encodeURIComponent(a.id);
        link.target = "_blank";
        link.rel = "noopener";
        if (a.kind === "jpeg" || a.kind === "png") {
          var img = el("img", "enf-thumb");
          img.src = link.href;
          img.alt = list.getAttribute("data-label-files");
          link.appendChild(img);
        } else {
          link.textContent = list.getAttribute("data-label-files") + " (" + a.kind + ")";
        }
        p.appendChild(link);
      });
      li.appendChild(p);
    }
    return li;
  }
  function watch(list) {
    var status = document.getElementById("live-status");
    var src = new EventSource(list.getAttribute("data-live"));
    src.addEventListener("open", function () {
      list.setAttribute("data-connected", "1");
      if (status) status.textContent = status.getAttribute("data-on");
    });
    src.addEventListener("error", function () {
      list.removeAttribute("data-connected");
      if (status) status.textContent = status.getAttribute("data-off");
    });
    src.addEventListener("node", function (e) {
      var v;
      try { v = JSON.parse(e.data); } catch (err) { return; }
      var empty = document.getElementById("timeline-empty");
      if (empty) empty.remove();
      var fresh = render(list, v);
      var old = document.getElementById("node-" + v.id);
      if (old) old.replaceWith(fresh); else list.appendChild(fresh);
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    var list = document.getElementById("timeline");
    if (list && list.getAttribute("data-live")) watch(list);
  });
})();
