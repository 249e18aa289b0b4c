// live.js keeps a part of the page current: an element with data-live (the
// URL of a server-sent event stream) and data-refresh (the URL of its own
// fresh HTML) is replaced whenever the stream announces a change. The
// browser's EventSource reconnects by itself after a network drop.
(function () {
  "use strict";
  function watch(el) {
    var src = new EventSource(el.getAttribute("data-live"));
    var pending = false;
    src.addEventListener("open", function () { el.setAttribute("data-connected", "1"); });
    var refresh = function () {
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
            el.replaceWith(fresh);
            watch(fresh);
          }
        })
        .catch(function () { pending = false; });
    };
    // "case": a case timeline changed; "inbox": a notification arrived or
    // was read.
    src.addEventListener("case", refresh);
    src.addEventListener("inbox", refresh);
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-live][data-refresh]").forEach(watch);
  });
})();
