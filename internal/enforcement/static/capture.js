// capture.js is the officer's node form on a phone: it shows the fields of
// the chosen kind, takes photos from the camera (getUserMedia preview,
// a frame drawn to a canvas and added to the photo input as a JPEG), fills
// the position from the Geolocation API and stamps the phone's time when
// the form is sent. Without a camera the photo input's own capture
// (accept=image/* capture=environment) still works.
(function () {
  "use strict";
  function geo(form) {
    var btn = form.querySelector("[data-locate]");
    var status = form.querySelector("[data-geo-status]");
    if (!btn || !navigator.geolocation) return;
    var locate = function () {
      navigator.geolocation.getCurrentPosition(function (p) {
        form.elements.lat.value = p.coords.latitude.toFixed(6);
        form.elements.lon.value = p.coords.longitude.toFixed(6);
        form.elements.accuracy.value = Math.round(p.coords.accuracy);
        if (status) status.textContent = status.getAttribute("data-ok") + " " + form.elements.lat.value + ", " +
          form.elements.lon.value + " (±" + form.elements.accuracy.value + " m)";
        form.setAttribute("data-located", "1");
      }, function () {
        if (status) status.textContent = status.getAttribute("data-fail");
      }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
    };
    btn.addEventListener("click", locate);
    // An officer on site wants the position at once; an applicant decides.
    if (form.id === "node-form") locate();
  }

  function kinds(form) {
    var sel = form.querySelector("#kind");
    if (!sel) return;
    var carried = form.querySelector(".enf-carried");
    var show = function () {
      var opt = sel.options[sel.selectedIndex];
      var fields = (opt.getAttribute("data-fields") || "").split(",");
      form.querySelectorAll(".enf-kind-field").forEach(function (f) {
        f.hidden = fields.indexOf(f.getAttribute("data-field")) < 0;
      });
      if (carried) carried.hidden = opt.getAttribute("data-delayed") !== "1";
    };
    sel.addEventListener("change", show);
    show();
  }

  function camera(form) {
    var start = form.querySelector("#camera-start");
    var shot = form.querySelector("#camera-shot");
    var video = form.querySelector("#camera-preview");
    var input = form.querySelector("#photos");
    var status = form.querySelector("#camera-status");
    if (!start || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      if (start) start.hidden = true;
      return;
    }
    var taken = [];
    start.addEventListener("click", function () {
      navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false }).then(function (stream) {
        video.srcObject = stream;
        video.hidden = false;
        shot.hidden = false;
        form.setAttribute("data-camera", "1");
      }).catch(function () {
        status.textContent = status.getAttribute("data-fail");
      });
    });
    shot.addEventListener("click", function () {
      var w = video.videoWidth, h = video.videoHeight;
      if (!w || !h) return;
      var canvas = document.createElement("canvas");
      canvas.width = w;
      canvas.height = h;
      canvas.getContext("2d").drawImage(video, 0, 0, w, h);
      canvas.toBlob(function (blob) {
        if (!blob) return;
        taken.push(new File([blob], "photo-" + (taken.length + 1) + ".jpg", { type: "image/jpeg" }));
        var dt = new DataTransfer();
        Array.prototype.forEach.call(input.files, function (f) { if (taken.indexOf(f) < 0) dt.items.add(f); });
        taken.forEach(function (f) { dt.items.add(f); });
        input.files = dt.files;
        status.textContent = status.getAttribute("data-count").replace("%d", String(taken.length));
        form.setAttribute("data-photos", String(taken.length));
      }, "image/jpeg", 0.85);
    });
    form.addEventListener("submit", function () {
      if (video.srcObject) video.srcObject.getTracks().forEach(function (t) { t.stop(); });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("node-form");
    if (form) {
      kinds(form);
      camera(form);
      form.addEventListener("submit", function () { form.elements.device_at.value = new Date().toISOString(); });
    }
    document.querySelectorAll(".enf-geo-form").forEach(geo);
  });
})();
