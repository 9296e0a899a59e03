// Live pool feedback on the blueprint page: for each rule row, ask the server how many questions its
// filters match and show it; red when fewer match than the rule draws. Works without it (the page
// shows each saved rule's pool server-side).
(function () {
  "use strict";
  var form = document.getElementById("blueprint-form");
  if (!form) { return; }
  var url = form.getAttribute("data-pool-url");

  function field(row, suffix) {
    return row.querySelector("[name$='-" + suffix + "']");
  }

  function query(row) {
    var params = new URLSearchParams();
    ["bank", "type", "difficulty_min", "difficulty_max", "count"].forEach(function (name) {
      var input = field(row, name);
      if (input && input.value) { params.append(name, input.value); }
    });
    var topics = field(row, "topics");
    if (topics) {
      Array.prototype.forEach.call(topics.selectedOptions, function (option) { params.append("topics", option.value); });
    }
    return params;
  }

  function refresh(row) {
    var output = row.querySelector(".pool-feedback");
    var count = field(row, "count");
    if (!count || !count.value) { output.textContent = ""; output.classList.remove("text-danger"); return; }
    var sent = query(row).toString();
    row.setAttribute("data-sent", sent);
    fetch(url + "?" + sent, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : Promise.reject(response.status); })
      .then(function (data) {
        if (row.getAttribute("data-sent") !== sent) { return; }  // a newer request is on its way
        output.textContent = data.message + (data.warning ? " " + data.warning : "");
        output.classList.toggle("text-danger", data.short_by > 0);
        output.classList.toggle("text-success", data.short_by === 0);
      })
      .catch(function () { output.textContent = ""; });
  }

  var timers = new WeakMap();
  function later(row) {
    clearTimeout(timers.get(row));
    timers.set(row, setTimeout(function () { refresh(row); }, 250));
  }

  Array.prototype.forEach.call(form.querySelectorAll(".rule-row"), function (row) {
    row.addEventListener("change", function () { later(row); });
    row.addEventListener("input", function () { later(row); });
    refresh(row);
  });
}());
