// Camera scanning (issue 15, part 7): a "Scan" button ([data-scan]) opens
// the device camera and reads a GS1 DataMatrix, QR or GS1-128 code with the
// browser's BarcodeDetector where it exists, else with the ZXing decoder
// vendored under /static/vendor/ (loaded on first use). The decoded text
// goes where the button says (data-scan):
//   "receive"      the /receive scan field, read by the same htmx preview as a
//                  keyboard-wedge scan (the server's GS1 parser fills the form);
//   "field"        the input named by data-scan-for (an order line's GS1 field,
//                  read by the server's GS1 parser when the delivery is saved);
//   "session-line" the session form line the button is in: the server names
//                  the product and the exact lot (/sessions/new/scan), the line
//                  takes them; a refusal is shown at the line.
// Buttons stay hidden without a camera API (no mediaDevices, or not HTTPS /
// localhost); the pages work without them. ClinicScan.deliver(button, text)
// is the one entry point for decoded text (the browser tests call it).
(function () {
  "use strict";

  var DECODER = "/static/vendor/zxing-library-0.23.0.min.js";
  var FORMATS = ["data_matrix", "qr_code", "code_128"];

  function cameraPossible() {
    return !!(window.isSecureContext && navigator.mediaDevices &&
      typeof navigator.mediaDevices.getUserMedia === "function");
  }

  function lineMessage(line, text) {
    var box = line.querySelector(".scan-error");
    if (!box) {
      box = document.createElement("small");
      box.className = "field-error scan-error";
      box.setAttribute("data-field", "gs1");
      box.setAttribute("role", "alert");
      (line.querySelector(".line-fields") || line).appendChild(box);
    }
    box.textContent = text;
    box.hidden = !text;
  }

  function selectValue(select, value, label) {
    if (!select) { return false; }
    var found = Array.prototype.some.call(select.options, function (o) { return o.value === String(value); });
    if (!found && label) {
      var opt = document.createElement("option");
      opt.value = String(value);
      opt.textContent = label;
      select.appendChild(opt);
      found = true;
    }
    if (found) { select.value = String(value); }
    return found;
  }

  // The session form line: ask the server what the code names, then set the
  // line's product and lot and let htmx refresh the lines (hints, lot list).
  function sessionLine(button, text) {
    var line = button.closest(".line");
    var form = button.closest("form");
    if (!line || !form) { return Promise.resolve(false); }
    var site = form.querySelector("[name=site]");
    var url = "/sessions/new/scan?gs1=" + encodeURIComponent(text) +
      (site && site.value ? "&site=" + encodeURIComponent(site.value) : "");
    lineMessage(line, "");
    return fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) {
        return r.json().then(function (body) { return { ok: r.ok, body: body }; },
          function () { return { ok: false, body: { error: { message: "the scan could not be checked (" + r.status + ")" } } }; });
      })
      .then(function (res) {
        if (!res.ok) {
          lineMessage(line, (res.body.error && res.body.error.message) || "the scan was refused");
          return false;
        }
        var product = line.querySelector("select[name=product_id]");
        if (!selectValue(product, res.body.product_id)) {
          lineMessage(line, res.body.product + " is not on the form's product list");
          return false;
        }
        selectValue(line.querySelector("select[name=lot_id]"), res.body.lot_id, res.body.label);
        line.setAttribute("data-scanned-lot", String(res.body.lot_id));
        if (window.htmx) {
          window.htmx.trigger(product, "change");
        }
        return true;
      }, function () {
        lineMessage(line, "the scan could not be checked: no connection");
        return false;
      });
  }

  function deliver(button, text) {
    var mode = button.getAttribute("data-scan");
    if (mode === "session-line") {
      return sessionLine(button, text);
    }
    var input = mode === "receive" ? document.getElementById("scan")
      : document.querySelector("[name='" + button.getAttribute("data-scan-for") + "']");
    if (!input) { return Promise.resolve(false); }
    input.value = text;
    if (mode === "receive" && window.htmx) {
      window.htmx.trigger(input, "scanned");
    } else {
      input.dispatchEvent(new Event("change", { bubbles: true }));
    }
    return Promise.resolve(true);
  }

  // --- the camera -------------------------------------------------------

  function loadDecoder() {
    if (window.ZXing) { return Promise.resolve(window.ZXing); }
    return new Promise(function (resolve, reject) {
      var s = document.createElement("script");
      s.src = DECODER;
      s.onload = function () { resolve(window.ZXing); };
      s.onerror = function () { reject(new Error("the decoder did not load")); };
      document.head.appendChild(s);
    });
  }

  // A function frame -> Promise<text|null>, from BarcodeDetector or ZXing.
  function detector(canvas) {
    if ("BarcodeDetector" in window) {
      return window.BarcodeDetector.getSupportedFormats().then(function (have) {
        var formats = FORMATS.filter(function (f) { return have.indexOf(f) >= 0; });
        if (!formats.length) { throw new Error("no supported format"); }
        var d = new window.BarcodeDetector({ formats: formats });
        return function (video) {
          return d.detect(video).then(function (codes) { return codes.length ? codes[0].rawValue : null; });
        };
      }).catch(function () { return zxingDetector(canvas); });
    }
    return zxingDetector(canvas);
  }

  function zxingDetector(canvas) {
    return loadDecoder().then(function (Z) {
      var hints = new Map();
      hints.set(Z.DecodeHintType.POSSIBLE_FORMATS,
        [Z.BarcodeFormat.DATA_MATRIX, Z.BarcodeFormat.QR_CODE, Z.BarcodeFormat.CODE_128]);
      hints.set(Z.DecodeHintType.TRY_HARDER, true);
      var reader = new Z.MultiFormatReader();
      reader.setHints(hints);
      return function (video) {
        canvas.width = video.videoWidth;
        canvas.height = video.videoHeight;
        if (!canvas.width) { return Promise.resolve(null); }
        canvas.getContext("2d").drawImage(video, 0, 0);
        try {
          var bitmap = new Z.BinaryBitmap(new Z.HybridBinarizer(new Z.HTMLCanvasElementLuminanceSource(canvas)));
          return Promise.resolve(reader.decode(bitmap).getText());
        } catch (e) {
          return Promise.resolve(null);
        }
      };
    });
  }

  function dialog() {
    var d = document.getElementById("scan-dialog");
    if (d) { return d; }
    d = document.createElement("dialog");
    d.id = "scan-dialog";
    d.className = "scan-dialog";
    d.innerHTML = '<article><header><strong>Scan a barcode</strong></header>' +
      '<video playsinline muted></video><canvas hidden></canvas>' +
      '<p class="scan-status muted" role="status">Starting the camera…</p>' +
      '<footer><button type="button" class="secondary scan-cancel">Cancel</button></footer></article>';
    document.body.appendChild(d);
    return d;
  }

  function open(button) {
    var d = dialog();
    var video = d.querySelector("video");
    var status = d.querySelector(".scan-status");
    var stream = null;
    var done = false;
    function stop() {
      done = true;
      if (stream) { stream.getTracks().forEach(function (t) { t.stop(); }); }
      if (d.open) { d.close(); }
    }
    d.querySelector(".scan-cancel").onclick = stop;
    d.onclose = function () { if (!done) { stop(); } };
    d.showModal();
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false })
      .then(function (s) {
        stream = s;
        video.srcObject = s;
        return video.play();
      })
      .then(function () { return detector(d.querySelector("canvas")); })
      .then(function (detect) {
        status.textContent = "Hold the code in front of the camera.";
        function tick() {
          if (done) { return; }
          detect(video).then(function (text) {
            if (text) {
              stop();
              deliver(button, text);
            } else {
              window.setTimeout(tick, 200);
            }
          }, function () { window.setTimeout(tick, 400); });
        }
        tick();
      })
      .catch(function (e) {
        status.textContent = "The camera cannot be used: " + (e && e.message ? e.message : e) +
          ". Type or scan the code into the field instead.";
      });
  }

  function show(root) {
    if (!cameraPossible()) { return; }
    (root || document).querySelectorAll("[data-scan]").forEach(function (b) { b.hidden = false; });
  }

  document.addEventListener("click", function (e) {
    var b = e.target && e.target.closest ? e.target.closest("[data-scan]") : null;
    if (!b) { return; }
    e.preventDefault();
    open(b);
  });
  document.addEventListener("DOMContentLoaded", function () { show(document); });
  // Lines re-rendered by htmx bring new buttons.
  document.addEventListener("htmx:afterSwap", function (e) { show(e.target); });

  window.ClinicScan = { deliver: deliver, cameraPossible: cameraPossible };
})();
