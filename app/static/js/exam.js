/* The exam paper: claim the writing window, autosave (debounced on change and every 15 s), keep unsent
 * answers in localStorage until the server confirms them (SECURITY 32), resend with backoff, show the
 * server's time, submit at time-up. Settings come from data- attributes of #exam-paper (no inline script).
 */
(function () {
  "use strict";

  var root = document.getElementById("exam-paper");
  var form = document.getElementById("paper-form");
  if (!root || !form) {
    return;
  }
  var cfg = root.dataset;
  var storageKey = "exam-attempt-" + cfg.attempt;
  var DEBOUNCE_MS = 1500;
  var PERIOD_MS = 15000;
  var TIME_CHECK_MS = 30000;
  var REQUEST_TIMEOUT_MS = 10000;
  var MAX_BACKOFF_MS = 15000;

  var writer = null;         // this window's token from claim
  var seq = 0;               // the last sequence number sent
  var inFlight = null;       // the save under way (one at a time)
  var again = false;         // another save was asked for while one was in flight
  var changes = 0;           // bumps on every change; a save confirms the count it sent
  var confirmed = 0;
  var stopped = false;       // another window took over, or the attempt is over
  var submitting = false;
  var failures = 0;
  var debounceTimer = null;
  var retryTimer = null;
  var deadline = Date.now() + parseInt(cfg.remaining || "0", 10) * 1000;
  var flagged = new Set();

  var countdownText = document.getElementById("countdown-text");
  var countdown = document.getElementById("exam-countdown");
  var status = document.getElementById("save-status");
  var offlineBanner = document.getElementById("offline-banner");
  var elsewhereBanner = document.getElementById("elsewhere-banner");

  document.querySelectorAll(".paper-question").forEach(function (block) {
    if (block.dataset.flagged === "true") {
      flagged.add(parseInt(block.dataset.position, 10));
    }
  });

  // --- State of the form ---------------------------------------------------------------------------

  function collect() {
    var answers = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || !/^q\d+(-\d+)?$/.test(el.name)) {
        return;
      }
      if (el.type === "radio" || el.type === "checkbox") {
        answers[el.name] = answers[el.name] || [];
        if (el.checked) {
          answers[el.name].push(el.value);
        }
      } else if (el.tagName === "TEXTAREA" || el.type === "text") {
        answers[el.name] = [el.value];
      }
    });
    return {answers: answers, flagged: Array.from(flagged).sort(function (a, b) { return a - b; })};
  }

  function apply(state) {
    var answers = state.answers || {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || !Object.prototype.hasOwnProperty.call(answers, el.name)) {
        return;
      }
      var values = answers[el.name];
      if (el.type === "radio" || el.type === "checkbox") {
        el.checked = values.indexOf(el.value) !== -1;
      } else if (el.tagName === "TEXTAREA" || el.type === "text") {
        el.value = values[0] || "";
      }
    });
    flagged = new Set((state.flagged || []).filter(function (p) { return typeof p === "number"; }));
    refreshFlags();
    refreshNavigator();
  }

  function isAnswered(block) {
    var inputs = block.querySelectorAll("input, textarea");
    for (var i = 0; i < inputs.length; i++) {
      var el = inputs[i];
      if ((el.type === "radio" || el.type === "checkbox") ? el.checked : el.value.trim() !== "") {
        return true;
      }
    }
    return false;
  }

  function refreshNavigator() {
    var answered = 0;
    document.querySelectorAll(".paper-question").forEach(function (block) {
      var position = parseInt(block.dataset.position, 10);
      var cell = document.getElementById("nav-" + position);
      var done = isAnswered(block);
      answered += done ? 1 : 0;
      if (cell) {
        cell.classList.toggle("answered", done);
        cell.classList.toggle("flagged", flagged.has(position));
      }
    });
    var count = document.getElementById("answered-count");
    if (count) {
      count.textContent = String(answered);
    }
  }

  function refreshFlags() {
    document.querySelectorAll(".flag-toggle").forEach(function (button) {
      var on = flagged.has(parseInt(button.dataset.position, 10));
      button.setAttribute("aria-pressed", on ? "true" : "false");
      button.classList.toggle("btn-warning", on);
      button.classList.toggle("btn-outline-secondary", !on);
    });
  }

  // --- Browser copy ---------------------------------------------------------------------------------

  function keepLocally(state, unsynced) {
    try {
      window.localStorage.setItem(storageKey, JSON.stringify({state: state, unsynced: unsynced, at: Date.now()}));
    } catch (e) { /* storage full or blocked: the server copy is all there is */ }
  }

  function localCopy() {
    try {
      var kept = JSON.parse(window.localStorage.getItem(storageKey) || "null");
      return kept && kept.unsynced && kept.state && typeof kept.state.answers === "object" ? kept.state : null;
    } catch (e) {
      return null;
    }
  }

  // --- Talking to the server ------------------------------------------------------------------------

  function request(method, url, body) {
    var controller = window.AbortController ? new AbortController() : null;
    var timer = controller ? setTimeout(function () { controller.abort(); }, REQUEST_TIMEOUT_MS) : null;
    var options = {
      method: method,
      credentials: "same-origin",
      headers: {"Accept": "application/json", "X-CSRFToken": cfg.csrf},
      redirect: "error",
      signal: controller ? controller.signal : undefined
    };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    return fetch(url, options).then(function (response) {
      if (timer) { clearTimeout(timer); }
      return response.json().catch(function () { return {}; }).then(function (data) {
        return {status: response.status, data: data};
      });
    }, function (error) {
      if (timer) { clearTimeout(timer); }
      throw error;
    });
  }

  function formatClock(iso) {
    var when = iso ? new Date(iso) : new Date();
    try {
      return when.toLocaleTimeString(cfg.locale || undefined, {
        timeZone: cfg.timezone || undefined, hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false
      });
    } catch (e) {
      return when.toTimeString().slice(0, 8);
    }
  }

  function showSaved(iso) {
    status.textContent = cfg.msgSaved.replace("{time}", formatClock(iso));
    status.classList.remove("exam-save-warning");
  }

  function resync(remaining) {
    if (typeof remaining === "number" && remaining >= 0) {
      deadline = Date.now() + remaining * 1000;
      tick();
    }
  }

  function goResult(url) {
    stopped = true;
    window.location.assign(url || cfg.resultUrl);
  }

  function offline() {
    offlineBanner.classList.remove("d-none");
    status.textContent = cfg.msgUnsaved;
    status.classList.add("exam-save-warning");
    failures += 1;
    var wait = Math.min(MAX_BACKOFF_MS, 1000 * Math.pow(2, failures - 1));
    clearTimeout(retryTimer);
    retryTimer = setTimeout(function () { writer ? save() : claim(); }, wait);
  }

  function elsewhere() {
    stopped = true;
    clearTimeout(debounceTimer);
    clearTimeout(retryTimer);
    elsewhereBanner.classList.remove("d-none");
    offlineBanner.classList.add("d-none");
    status.textContent = cfg.msgUnsaved;
    status.classList.add("exam-save-warning");
    form.querySelectorAll("input, textarea, button, fieldset").forEach(function (el) { el.disabled = true; });
  }

  function save() {
    if (stopped || submitting || !writer) {
      return Promise.resolve(false);
    }
    if (inFlight) {
      again = true;
      return inFlight;
    }
    clearTimeout(debounceTimer);
    clearTimeout(retryTimer);
    var state = collect();
    var sent = changes;
    seq += 1;
    status.textContent = cfg.msgSaving;
    inFlight = request("POST", cfg.saveUrl, {writer: writer, seq: seq, answers: state.answers, flagged: state.flagged})
      .then(function (reply) {
        if (reply.status === 200) {
          failures = 0;
          offlineBanner.classList.add("d-none");
          showSaved(reply.data.saved_at);
          resync(reply.data.remaining);
          if (sent > confirmed) {
            confirmed = sent;
          }
          if (confirmed === changes) {
            keepLocally(state, false);  // only now: the server has these answers
          }
          return true;
        }
        if (reply.status === 409) {
          elsewhere();
          return false;
        }
        if (reply.status === 410) {
          goResult(reply.data.result_url);
          return false;
        }
        throw new Error("save answered " + reply.status);
      })
      .catch(function () {
        offline();
        return false;
      })
      .then(function (ok) {
        inFlight = null;
        if (again && !stopped) {
          again = false;
          schedule(0);
        }
        return ok;
      });
    return inFlight;
  }

  function schedule(delay) {
    clearTimeout(debounceTimer);
    debounceTimer = setTimeout(save, delay);
  }

  function changed() {
    if (stopped) {
      return;
    }
    changes += 1;
    keepLocally(collect(), true);
    refreshNavigator();
    status.textContent = cfg.msgUnsaved;
    schedule(DEBOUNCE_MS);
  }

  function claim() {
    return request("POST", cfg.claimUrl, {}).then(function (reply) {
      if (reply.status === 410) {
        goResult(reply.data.result_url);
        return;
      }
      if (reply.status !== 200) {
        throw new Error("claim answered " + reply.status);
      }
      writer = reply.data.writer;
      seq = reply.data.seq || 0;
      failures = 0;
      offlineBanner.classList.add("d-none");
      resync(reply.data.remaining);
      if (reply.data.saved_at) {
        showSaved(reply.data.saved_at);
      }
      var kept = localCopy();
      if (kept) {  // answers given while the server could not be reached: put them back and send them
        apply(kept);
        changes += 1;
        save();
      }
    }).catch(function () {
      var kept = localCopy();
      if (kept && !writer) {
        apply(kept);
      }
      offline();
    });
  }

  // --- Time -----------------------------------------------------------------------------------------

  function two(n) {
    return (n < 10 ? "0" : "") + n;
  }

  function tick() {
    var left = Math.max(0, Math.round((deadline - Date.now()) / 1000));
    var h = Math.floor(left / 3600);
    var m = Math.floor((left % 3600) / 60);
    var s = left % 60;
    countdownText.textContent = (h ? h + ":" + two(m) : two(m)) + ":" + two(s);
    countdown.classList.toggle("exam-countdown-low", left <= 300);
    if (left === 0 && !stopped && !submitting) {
      timeUp();
    }
  }

  function timeUp() {
    submitting = true;
    clearTimeout(debounceTimer);
    clearTimeout(retryTimer);
    status.textContent = cfg.msgTimeUp;
    var state = collect();
    keepLocally(state, true);
    form.querySelectorAll("input, textarea, button").forEach(function (el) { el.disabled = true; });
    var send = function () {
      var wait = inFlight || Promise.resolve();
      wait.then(function () {
        seq += 1;
        return request("POST", cfg.submitUrl, {writer: writer || "none", seq: seq, answers: state.answers,
                                               flagged: state.flagged});
      }).then(function (reply) {
        if (reply.status === 200 || reply.status === 410) {
          keepLocally(state, false);
          goResult(reply.data.result_url);
          return;
        }
        throw new Error("submit answered " + reply.status);
      }).catch(function () {
        offlineBanner.classList.remove("d-none");
        setTimeout(send, 3000);  // the server closes the attempt with its saved answers anyway
      });
    };
    send();
  }

  function checkTime() {
    if (stopped || submitting) {
      return;
    }
    request("GET", cfg.timeUrl).then(function (reply) {
      if (reply.status !== 200) {
        return;
      }
      if (reply.data.status === "submitted") {
        goResult();
        return;
      }
      resync(reply.data.remaining);
    }).catch(function () { /* the save loop reports connection trouble */ });
  }

  // --- Wiring ---------------------------------------------------------------------------------------

  form.addEventListener("change", changed);
  form.addEventListener("input", function (event) {
    if (event.target.type === "text" || event.target.tagName === "TEXTAREA") {
      changed();
    }
  });
  form.addEventListener("submit", function (event) { event.preventDefault(); });

  document.querySelectorAll(".flag-toggle").forEach(function (button) {
    button.addEventListener("click", function () {
      var position = parseInt(button.dataset.position, 10);
      if (flagged.has(position)) {
        flagged.delete(position);
      } else {
        flagged.add(position);
      }
      refreshFlags();
      changed();
    });
  });

  document.querySelectorAll("#submit-link, #submit-link-bottom").forEach(function (link) {
    link.addEventListener("click", function (event) {
      if (stopped) {
        return;
      }
      event.preventDefault();
      var target = link.href;
      var go = function () {
        if (confirmed === changes) {
          window.location.assign(target);
        }
      };
      if (confirmed === changes && !inFlight) {
        go();
        return;
      }
      (inFlight || Promise.resolve()).then(function () { return confirmed === changes ? true : save(); }).then(go);
    });
  });

  window.addEventListener("online", function () {
    if (!stopped && !submitting) {
      writer ? save() : claim();
    }
  });

  setInterval(tick, 1000);
  setInterval(function () {
    if (!inFlight && !stopped && !submitting) {
      save();
    }
  }, PERIOD_MS);
  setInterval(checkTime, TIME_CHECK_MS);
  tick();
  claim();
}());
