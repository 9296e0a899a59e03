// The lecturer's check-in screen: count the code's seconds down, and every few seconds ask the server for
// the current code (it rotates once half the validity has passed) and how many have checked in; swap the
// digits and the QR code when the code changes. When the session's check-in window has closed (409), reload:
// the page then says when check-in was open. Without this script the page shows the code it was loaded with
// (reload for a new one).
(function () {
  "use strict";
  var box = document.getElementById("checkin-code");
  if (!box) { return; }
  var url = box.getAttribute("data-url");
  var digits = document.getElementById("checkin-digits");
  var qr = document.getElementById("checkin-qr");
  var seconds = document.getElementById("checkin-seconds");
  var count = document.getElementById("checkin-count");
  var seated = document.getElementById("checkin-seated");
  var offline = document.getElementById("checkin-offline");
  var expiresAt = Date.now() + 1000 * parseInt(box.getAttribute("data-seconds-left"), 10);
  var current = digits.textContent.replace(/\s/g, "");
  var POLL_MS = 5000;

  function tick() {
    var left = Math.max(0, Math.round((expiresAt - Date.now()) / 1000));
    seconds.textContent = left;
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" }, cache: "no-store" })
      .then(function (response) {
        if (response.status === 409) { window.location.reload(); }
        return response.ok ? response.json() : Promise.reject(response.status);
      })
      .then(function (data) {
        offline.classList.add("d-none");
        if (data.code !== current) {
          current = data.code;
          digits.textContent = data.code.slice(0, 3) + " " + data.code.slice(3);
          qr.setAttribute("src", data.qr);
        }
        expiresAt = Date.now() + 1000 * data.seconds_left;
        count.textContent = data.checked_in;
        seated.textContent = data.seated;
        tick();
      })
      .catch(function () { offline.classList.remove("d-none"); });
  }

  setInterval(tick, 1000);
  setInterval(poll, POLL_MS);
}());
