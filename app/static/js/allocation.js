// Live check of a manual move on the plan page: when a person's batch select changes, ask the server
// (training.check_move) which rules the move would break and show them next to the row. The Move button
// still posts the form, and the server checks again, so the page works without this script.
(function () {
  "use strict";
  var table = document.getElementById("member-table");
  if (!table) { return; }
  var url = table.getAttribute("data-check-url");

  function show(select, problems, ok) {
    var form = select.closest("form");
    var output = form.querySelector(".move-problems");
    var button = form.querySelector("button[type=submit]");
    output.textContent = "";
    problems.forEach(function (message) {
      var line = document.createElement("div");
      line.textContent = message;
      output.appendChild(line);
    });
    output.classList.toggle("text-danger", !ok);
    button.classList.toggle("btn-outline-primary", ok);
    button.classList.toggle("btn-outline-danger", !ok);
  }

  function check(select) {
    if (!select.value || select.value === select.getAttribute("data-current")) { show(select, [], true); return; }
    var params = new URLSearchParams({ user_id: select.getAttribute("data-user-id"), batch_id: select.value });
    var sent = params.toString();
    select.setAttribute("data-sent", sent);
    fetch(url + "?" + sent, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : Promise.reject(response.status); })
      .then(function (data) {
        if (select.getAttribute("data-sent") !== sent) { return; }  // a newer choice is on its way
        show(select, data.problems, data.ok);
      })
      .catch(function () { show(select, [], true); });
  }

  table.addEventListener("change", function (event) {
    if (event.target.classList.contains("move-batch")) { check(event.target); }
  });
}());
