/* The exam paper: every answer change is kept in this window's journal (localStorage) until the server
 * acknowledges it, sent one request at a time (on change after a short pause, when the connection returns),
 * and the server's answers from other windows are shown as they arrive. Settings come from data- attributes
 * of #exam-paper (no inline script).
 *
 * Between saves the page sends a heartbeat (GET …/clock: the time left and the attempt's revision, one read on
 * the server) every 60 s, every 120 s once the candidate has not touched the page for 2 minutes, every 240 s
 * while it is hidden, each period jittered so a room of pages does not beat in step. A save's reply counts as a
 * beat, so a candidate answering every 30–60 s sends few. It asks the save endpoint
 * what changed only when the revision moved past what this window knows (another window saved), when the
 * attempt is over, or when the connection returns. The countdown runs locally from the last server time.
 *
 * The protocol (app/exams/saving.py, docs/autosave.md): each change names its window, its number in this
 * window (in the order the candidate made them) and `seen` — the stored change whose answer this window
 * showed when the candidate changed the question. The server stores a change only if it comes after the
 * stored one; otherwise it refuses it and sends the stored answer, which this page then shows and says so.
 *
 * INVARIANT (the page's half): a change leaves `latest` and the journal only when the server acknowledged
 * it (outcome "stored" or "replaced"), or refused it and this page showed the stored answer instead with a
 * notice. Nothing else marks a change as saved: not a reload, not a timeout, not a reply to an older request.
 */
(function () {
  "use strict";

  var root = document.getElementById("exam-paper");
  var form = document.getElementById("paper-form");
  if (!root || !form) {
    return;
  }
  var cfg = root.dataset;
  var DEBOUNCE_MS = 1500;
  var HEARTBEAT_MS = 60000;         // visible and in use
  var IDLE_HEARTBEAT_MS = 120000;   // visible, untouched for IDLE_AFTER_MS
  var HIDDEN_HEARTBEAT_MS = 240000; // another tab or app in front
  var IDLE_AFTER_MS = 120000;
  var REQUEST_TIMEOUT_MS = 10000;
  var MAX_BACKOFF_MS = 30000;
  var JOURNAL_PREFIX = "exam-" + cfg.attempt + "-w-";

  var windowId = newWindowId();
  var journalKey = JOURNAL_PREFIX + windowId;
  var nextSeq = 1;
  var known = parseInt(cfg.known || "0", 10);
  var server = {};     // position → {by, seq}: the stored change this window last learnt of
  var latest = {};     // position → the newest change not yet acknowledged (or null)
  var inFlight = null; // the request under way (one at a time)
  var again = false;   // something asked for a request while one was in flight
  var stopped = false; // the attempt is over, or a reply said this page cannot save
  var submitting = false;
  var failures = 0;
  var debounceTimer = null;
  var retryTimer = null;
  var heartbeatTimer = null;
  var lastActive = Date.now();
  var deadline = Date.now() + parseInt(cfg.remaining || "0", 10) * 1000;
  var lastSavedAt = null;
  var lastRefusedAt = 0;

  var countdownText = document.getElementById("countdown-text");
  var countdown = document.getElementById("exam-countdown");
  var status = document.getElementById("save-status");
  var offlineBanner = document.getElementById("offline-banner");
  var refusedBanner = document.getElementById("refused-banner");
  var stoppedBanner = document.getElementById("stopped-banner");

  function newWindowId() {
    var bytes = new Uint8Array(16);
    if (window.crypto && window.crypto.getRandomValues) {
      window.crypto.getRandomValues(bytes);
    } else {
      for (var i = 0; i < bytes.length; i++) { bytes[i] = Math.floor(Math.random() * 256); }
    }
    return Array.prototype.map.call(bytes, function (b) { return (b < 16 ? "0" : "") + b.toString(16); }).join("");
  }

  function blocks() {
    return Array.prototype.slice.call(document.querySelectorAll(".paper-question"));
  }

  function blockOf(position) {
    return document.querySelector('.paper-question[data-position="' + position + '"]');
  }

  function pending() {
    return Object.keys(latest).filter(function (p) { return latest[p]; }).map(function (p) { return latest[p]; });
  }

  // --- One question's inputs ----------------------------------------------------------------------

  function fieldsOf(block) {
    var fields = {};
    block.querySelectorAll("input, textarea").forEach(function (el) {
      if (!el.name || !/^q\d+(-\d+)?$/.test(el.name)) {
        return;
      }
      if (el.type === "radio" || el.type === "checkbox") {
        fields[el.name] = fields[el.name] || [];
        if (el.checked) {
          fields[el.name].push(el.value);
        }
      } else {
        fields[el.name] = [el.value];  // empty blanks too: blank 2 of 3 is read by its number
      }
    });
    return fields;
  }

  function show(position, fields, flagged) {
    var block = blockOf(position);
    if (!block) {
      return;
    }
    block.querySelectorAll("input, textarea").forEach(function (el) {
      var values = (fields && fields[el.name]) || [];
      if (el.type === "radio" || el.type === "checkbox") {
        el.checked = values.indexOf(el.value) !== -1;
      } else {
        el.value = values[0] || "";
      }
    });
    block.dataset.flagged = flagged ? "true" : "false";
    refreshFlag(position);
    refreshNavigator();
  }

  function isFlagged(position) {
    var block = blockOf(position);
    return !!block && block.dataset.flagged === "true";
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
    blocks().forEach(function (block) {
      var position = block.dataset.position;
      var cell = document.getElementById("nav-" + position);
      var done = isAnswered(block);
      answered += done ? 1 : 0;
      if (cell) {
        cell.classList.toggle("answered", done);
        cell.classList.toggle("flagged", block.dataset.flagged === "true");
      }
    });
    var count = document.getElementById("answered-count");
    if (count) {
      count.textContent = String(answered);
    }
  }

  function refreshFlag(position) {
    var button = document.getElementById("flag-" + position);
    if (button) {
      var on = isFlagged(position);
      button.setAttribute("aria-pressed", on ? "true" : "false");
      button.classList.toggle("btn-warning", on);
      button.classList.toggle("btn-outline-secondary", !on);
    }
  }

  // --- Changes and the journal --------------------------------------------------------------------

  function seenFor(position) {
    var before = latest[position];
    var seen = {};
    if (before) {  // built on a change not yet acknowledged: on what it was built on, and on it
      Object.keys(before.seen).forEach(function (w) { seen[w] = before.seen[w]; });
      seen[before.win] = Math.max(seen[before.win] || 0, before.seq);
    } else if (server[position] && server[position].by) {
      seen[server[position].by] = server[position].seq;
    }
    return seen;
  }

  function record(position) {
    var block = blockOf(position);
    latest[position] = {
      q: parseInt(position, 10), fields: fieldsOf(block), flagged: block.dataset.flagged === "true",
      win: windowId, seq: nextSeq++, seen: seenFor(position), at: Date.now()
    };
    writeJournal();
  }

  function writeJournal() {
    var changes = pending();
    try {
      if (changes.length) {
        window.localStorage.setItem(journalKey, JSON.stringify({changes: changes}));
      } else {
        window.localStorage.removeItem(journalKey);
      }
    } catch (e) { /* storage full or blocked: the server copy is all there is */ }
  }

  function sameChange(a, b) {
    return !!a && !!b && a.win === b.win && a.seq === b.seq;
  }

  /* Changes a closed or reloaded window of this browser left unacknowledged: per question the newest (same
     browser, same clock), built on the others; dropped if the page already shows it (or later) as stored. */
  function adoptJournals() {
    var found = {};
    var keys = [];
    try {
      for (var i = 0; i < window.localStorage.length; i++) {
        var key = window.localStorage.key(i);
        if (key && key.indexOf(JOURNAL_PREFIX) === 0 && key !== journalKey) {
          keys.push(key);
        }
      }
      keys.forEach(function (key) {
        var kept = JSON.parse(window.localStorage.getItem(key) || "null");
        ((kept && kept.changes) || []).forEach(function (change) {
          if (change && typeof change.q === "number" && blockOf(change.q) && typeof change.win === "string") {
            (found[change.q] = found[change.q] || []).push(change);
          }
        });
      });
    } catch (e) {
      return;
    }
    Object.keys(found).forEach(function (position) {
      var changes = found[position].sort(function (a, b) { return a.at - b.at; });
      var chosen = changes[changes.length - 1];
      chosen.seen = chosen.seen || {};
      changes.slice(0, -1).forEach(function (older) {
        chosen.seen[older.win] = Math.max(chosen.seen[older.win] || 0, older.seq);
      });
      var stored = server[position];
      if (stored && stored.by === chosen.win && stored.seq >= chosen.seq) {
        return;  // already stored, or replaced by a later change of the same window
      }
      latest[position] = chosen;
      show(position, chosen.fields, chosen.flagged);
    });
    writeJournal();
    keys.forEach(function (key) {
      try { window.localStorage.removeItem(key); } catch (e) { /* ignore */ }
    });
  }

  // --- Talking to the server ----------------------------------------------------------------------

  /* POST `body` as JSON, or GET when there is none (the heartbeat). */
  function request(url, body) {
    var controller = window.AbortController ? new AbortController() : null;
    var timer = controller ? setTimeout(function () { controller.abort(); }, REQUEST_TIMEOUT_MS) : null;
    var options = {
      method: "GET",
      credentials: "same-origin",
      headers: {"Accept": "application/json"},
      cache: "no-store",
      redirect: "error",
      signal: controller ? controller.signal : undefined
    };
    if (body !== undefined) {
      options.method = "POST";
      options.headers["Content-Type"] = "application/json";
      options.headers["X-CSRFToken"] = cfg.csrf;
      options.body = JSON.stringify(body);
    }
    return fetch(url, options).then(function (response) {
      if (timer) { clearTimeout(timer); }
      return response.json().catch(function () { return {}; }).then(function (data) {
        return {status: response.status, data: data, retryAfter: parseInt(response.headers.get("Retry-After"), 10)};
      });
    }, function (error) {
      if (timer) { clearTimeout(timer); }
      throw error;
    });
  }

  function body() {
    return {
      known: known,
      changes: pending().map(function (c) {
        return {q: c.q, fields: c.fields, flagged: c.flagged, win: c.win, seq: c.seq, seen: c.seen};
      })
    };
  }

  /* A reply's outcomes and items: acknowledged changes leave the journal; refused ones give way to the stored
     answer (with a notice); answers other windows saved are shown where this window has no change of its own. */
  function absorb(data, sent) {
    var refused = [];
    (data.results || []).forEach(function (result) {
      var change = sent.filter(function (c) { return c.win === result.win && c.seq === result.seq; })[0];
      if (!change) {
        return;
      }
      var position = change.q;
      if (result.outcome === "stored" || result.outcome === "replaced") {
        if (sameChange(latest[position], change)) {
          latest[position] = null;
        }
        if (result.outcome === "stored") {
          server[position] = {by: change.win, seq: change.seq};
        }
      } else if (result.outcome === "refused" && latest[position]) {
        latest[position] = null;  // it and any change built on it: the stored answer is shown below
        refused.push(position);
      }
    });
    (data.items || []).forEach(function (item) {
      if (latest[item.q]) {
        return;
      }
      server[item.q] = {by: item.by, seq: item.seq};
      show(item.q, item.fields, item.flagged);
    });
    if (typeof data.rev === "number" && data.rev > known) {
      known = data.rev;
    }
    writeJournal();
    if (refused.length) {
      lastRefusedAt = Date.now();
      notice(refusedBanner, "refused-text", cfg.msgRefused.replace("{numbers}", numbers(refused)));
    }
  }

  function numbers(positions) {
    return positions.map(Number).sort(function (a, b) { return a - b; }).join(", ");
  }

  function notice(banner, textId, text) {
    document.getElementById(textId).textContent = text;
    banner.classList.remove("d-none");
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

  function refreshStatus() {
    if (pending().length) {
      status.textContent = cfg.msgUnsaved;
      status.classList.add("exam-save-warning");
    } else if (lastSavedAt) {
      status.textContent = cfg.msgSaved.replace("{time}", formatClock(lastSavedAt));
      status.classList.remove("exam-save-warning");
    }
  }

  function resync(remaining) {
    if (typeof remaining === "number" && remaining >= 0) {
      deadline = Date.now() + remaining * 1000;
      tick();
    }
  }

  function stop(text) {
    stopped = true;
    clearTimeout(debounceTimer);
    clearRetry();
    clearTimeout(heartbeatTimer);
    offlineBanner.classList.add("d-none");
    form.querySelectorAll("input, textarea, button").forEach(function (el) { el.disabled = true; });
    notice(stoppedBanner, "stopped-text", text);
  }

  /* 410: the attempt is over. Changes it did not store are named; without any, on to the result. */
  function over(data, sent) {
    absorb(data, sent);
    var lost = pending().map(function (c) { return c.q; });
    if (lost.length) {
      stop(cfg.msgLate.replace("{numbers}", numbers(lost)));
      return;
    }
    stopped = true;
    window.location.assign(data.result_url || cfg.resultUrl);
  }

  function backoff(retryAfter) {
    failures += 1;
    var wait = Math.min(MAX_BACKOFF_MS, 1000 * Math.pow(2, failures - 1));
    if (retryAfter > 0) {
      wait = Math.max(wait, retryAfter * 1000);
    }
    return wait / 2 + Math.random() * wait / 2;  // jitter: a room of candidates does not retry in step
  }

  function clearRetry() {
    clearTimeout(retryTimer);
    retryTimer = null;
  }

  function retryLater(retryAfter, action) {
    var wait = backoff(retryAfter);
    clearRetry();
    retryTimer = setTimeout(function () { retryTimer = null; action(); }, wait);
  }

  function offline(retryAfter) {
    offlineBanner.classList.remove("d-none");
    refreshStatus();
    retryLater(retryAfter, sync);
  }

  // --- The heartbeat ------------------------------------------------------------------------------

  function heartbeatPeriod() {
    var period = HEARTBEAT_MS;
    if (document.hidden) {
      period = HIDDEN_HEARTBEAT_MS;
    } else if (Date.now() - lastActive > IDLE_AFTER_MS) {
      period = IDLE_HEARTBEAT_MS;
    }
    return period * (0.75 + Math.random() * 0.5);
  }

  function beatLater(delay) {
    clearTimeout(heartbeatTimer);
    heartbeatTimer = (stopped || submitting) ? null : setTimeout(beat, delay);
  }

  /* Time left and the attempt's revision; the full sync only when another window saved or the attempt is over.
     A save under way, or waiting to be retried, tells the same: the heartbeat then waits for its next turn, and
     changes not yet sent go as a save (which answers the same question). */
  function beat() {
    clearTimeout(heartbeatTimer);  // called early (the page came back in front): one chain of beats, not two
    heartbeatTimer = null;
    if (stopped || submitting) {
      return;
    }
    if (inFlight || retryTimer) {
      beatLater(heartbeatPeriod());
      return;
    }
    if (pending().length) {
      sync();
      return;
    }
    request(cfg.clockUrl).then(function (reply) {
      if (stopped || submitting) {
        return;
      }
      var heard = reply.status === 200 && typeof reply.data.rev === "number";  // not a portal's page
      if (reply.status === 410 || (heard && reply.data.rev > known)) {
        failures = 0;
        sync();  // its reply (410: which changes were stored before the end) does what a save's reply does
      } else if (heard) {
        failures = 0;
        if (!pending().length) {
          offlineBanner.classList.add("d-none");
        }
        resync(reply.data.remaining);
        beatLater(heartbeatPeriod());
      } else {
        offlineBanner.classList.remove("d-none");  // 429, 5xx, a proxy's page, a session that ended
        beatLater(backoff(reply.retryAfter));
      }
    }).catch(function () {
      if (!stopped && !submitting) {
        offlineBanner.classList.remove("d-none");
        beatLater(backoff(0));
      }
    });
  }

  function sync() {
    if (stopped || submitting) {
      return Promise.resolve(false);
    }
    if (inFlight) {
      again = true;
      return inFlight;
    }
    clearTimeout(debounceTimer);
    clearRetry();
    var sending = body();
    var sent = pending();
    if (sent.length) {
      status.textContent = cfg.msgSaving;
    }
    var processed = false;
    inFlight = request(cfg.saveUrl, sending).then(function (reply) {
      if (reply.status === 200 || reply.status === 409) {
        processed = true;
        failures = 0;
        offlineBanner.classList.add("d-none");
        lastSavedAt = reply.data.saved_at || lastSavedAt;  // the attempt's last save, from any window
        absorb(reply.data, sent);
        resync(reply.data.remaining);
        refreshStatus();
        beatLater(heartbeatPeriod());  // a save's reply is a heartbeat too
        return reply.status === 200;
      }
      if (reply.status === 410) {
        over(reply.data, sent);
        return false;
      }
      if (reply.status === 400) {
        stop(cfg.msgError.replace("{error}", reply.data.error || ""));
        return false;
      }
      offline(reply.retryAfter);  // 429, 5xx, a proxy's page: try again later
      return false;
    }).catch(function () {
      offline(0);
      return false;
    }).then(function (ok) {
      inFlight = null;
      if (again && processed && !stopped && !submitting) {
        schedule(0);  // asked for while this one was under way (a failed request retries on its own)
      }
      again = false;
      return ok;
    });
    return inFlight;
  }

  function schedule(delay) {
    clearTimeout(debounceTimer);
    debounceTimer = setTimeout(sync, delay);
  }

  function changed(position) {
    if (stopped || submitting) {
      return;
    }
    lastActive = Date.now();
    record(position);
    refreshNavigator();
    refreshStatus();
    schedule(DEBOUNCE_MS);
  }

  // --- Time and submitting ------------------------------------------------------------------------

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

  /* Time is up: the last changes go with the submit. The server refuses a submit that cannot store them all
     (another window changed one): the stored answers are shown and the submit is sent again. */
  function timeUp() {
    submitting = true;
    clearTimeout(debounceTimer);
    clearRetry();
    clearTimeout(heartbeatTimer);
    status.textContent = cfg.msgTimeUp;
    form.querySelectorAll("input, textarea, button").forEach(function (el) { el.disabled = true; });
    var send = function () {
      (inFlight || Promise.resolve()).then(function () {
        var sent = pending();
        return request(cfg.submitUrl, body()).then(function (reply) {
          if (reply.status === 200) {
            latest = {};
            writeJournal();
            stopped = true;
            window.location.assign(reply.data.result_url || cfg.resultUrl);
          } else if (reply.status === 409) {
            absorb(reply.data, sent);
            send();
          } else if (reply.status === 410) {
            over(reply.data, sent);
          } else if (reply.status === 400) {
            stop(cfg.msgError.replace("{error}", reply.data.error || ""));
          } else {
            throw new Error("submit answered " + reply.status);
          }
        });
      }).catch(function () {
        offlineBanner.classList.remove("d-none");
        retryLater(0, send);  // past the grace the server closes the attempt with its saved answers anyway
      });
    };
    send();
  }

  // --- Wiring -------------------------------------------------------------------------------------

  blocks().forEach(function (block) {
    server[block.dataset.position] = {by: block.dataset.by || "", seq: parseInt(block.dataset.seq || "0", 10)};
  });

  form.addEventListener("change", function (event) {
    var block = event.target.closest(".paper-question");
    if (block && (event.target.type === "radio" || event.target.type === "checkbox")) {
      changed(block.dataset.position);
    }
  });
  form.addEventListener("input", function (event) {
    var block = event.target.closest(".paper-question");
    if (block && (event.target.type === "text" || event.target.tagName === "TEXTAREA")) {
      changed(block.dataset.position);
    }
  });
  form.addEventListener("submit", function (event) { event.preventDefault(); });

  document.querySelectorAll(".flag-toggle").forEach(function (button) {
    button.addEventListener("click", function () {
      var position = button.dataset.position;
      var block = blockOf(position);
      block.dataset.flagged = block.dataset.flagged === "true" ? "false" : "true";
      refreshFlag(position);
      changed(position);
    });
  });

  document.getElementById("refused-close").addEventListener("click", function () {
    refusedBanner.classList.add("d-none");
  });

  /* To the submit page only once everything this window changed is stored. */
  document.querySelectorAll(".exam-submit-link").forEach(function (link) {
    link.addEventListener("click", function (event) {
      if (stopped) {
        return;
      }
      event.preventDefault();
      var clicked = Date.now();
      var go = function () {
        if (!pending().length && lastRefusedAt < clicked) {  // a refusal just shown must be read first
          window.location.assign(link.href);
        }
      };
      (inFlight || Promise.resolve()).then(function () { return pending().length ? sync() : true; }).then(go);
    });
  });

  window.addEventListener("pageshow", function (event) {
    if (event.persisted && !stopped && !submitting) {  // back from the submit page out of the page cache
      sync();
    }
  });

  window.addEventListener("online", function () {
    if (!stopped && !submitting) {
      failures = 0;
      sync();
    }
  });

  ["pointerdown", "keydown", "scroll", "touchstart"].forEach(function (name) {
    window.addEventListener(name, function () { lastActive = Date.now(); }, {passive: true, capture: true});
  });

  document.addEventListener("visibilitychange", function () {
    if (stopped || submitting) {
      return;
    }
    if (document.hidden) {
      beatLater(heartbeatPeriod());  // stretched while nobody looks
    } else {
      lastActive = Date.now();
      beat();  // back in front (a phone may have frozen the page): the time left, and what changed meanwhile
    }
  });

  adoptJournals();
  refreshNavigator();
  refreshStatus();
  setInterval(tick, 1000);
  tick();
  if (pending().length) {
    sync();  // changes a closed or reloaded window left: the rendered page is otherwise what the server has
  } else {
    beatLater(heartbeatPeriod());
  }
}());
