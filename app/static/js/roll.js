// Roll call on a phone: keep the counts at the top in step with the radio buttons, and let
// "Everyone not yet marked is present" tick Present for the rest without saving, so the lecturer can
// still correct someone before pressing Save. Without this script that button marks and saves at once.
(function () {
  "use strict";
  var form = document.getElementById("roll-form");
  if (!form) { return; }
  var people = form.querySelectorAll(".roll-person");

  function chosen(person) {
    var checked = person.querySelector("input[type=radio]:checked");
    return checked ? checked.value : "unrecorded";
  }

  function recount() {
    var counts = { present: 0, late: 0, absent: 0, excused: 0, unrecorded: 0 };
    Array.prototype.forEach.call(people, function (person) { counts[chosen(person)] += 1; });
    Object.keys(counts).forEach(function (state) {
      var output = document.querySelector("[data-count='" + state + "']");
      if (output) { output.textContent = counts[state]; }
    });
  }

  form.addEventListener("change", recount);
  var rest = document.getElementById("rest-present");
  if (rest) {
    rest.addEventListener("click", function (event) {
      event.preventDefault();
      Array.prototype.forEach.call(people, function (person) {
        if (chosen(person) === "unrecorded") {
          var present = person.querySelector("input[type=radio][value=present]");
          if (present) { present.checked = true; }
        }
      });
      recount();
    });
  }
  recount();
}());
