// ecourt: the small script every page loads. No inline script is allowed
// (the Content-Security-Policy forbids it), so behaviour hangs off data-*
// attributes. Every control here also works without JavaScript: the links
// carry ?elderly= and ?lang=, which the server turns into cookies.
(function () {
  "use strict";

  var YEAR = 365 * 24 * 3600;

  function setCookie(name, value) {
    var secure = location.protocol === "https:" ? "; Secure" : "";
    document.cookie = name + "=" + encodeURIComponent(value) +
      "; Path=/; Max-Age=" + YEAR + "; SameSite=Lax" + secure;
  }

  // Elderly mode: switch the page at once and remember the choice.
  function toggleElderly(ev) {
    var el = ev.target.closest("[data-elderly-toggle]");
    if (!el) return;
    ev.preventDefault();
    var on = !document.body.classList.contains("elderly");
    document.body.classList.toggle("elderly", on);
    setCookie("elderly", on ? "1" : "0");
    el.setAttribute("aria-pressed", on ? "true" : "false");
    var label = on ? el.getAttribute("data-label-off") : el.getAttribute("data-label-on");
    if (label) el.textContent = label;
  }

  // Language switch: remember the choice before following the link.
  function switchLang(ev) {
    var el = ev.target.closest("[data-lang]");
    if (!el) return;
    setCookie("lang", el.getAttribute("data-lang"));
  }

  document.addEventListener("click", function (ev) {
    toggleElderly(ev);
    switchLang(ev);
  });
})();
