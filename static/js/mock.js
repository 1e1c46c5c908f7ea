// The timed round: one question at a time, the round's and the question's countdown, and autosave to the server.
// Everything is keyed by this page's round id and the question's position, so two rounds in two tabs never mix. The server keeps the deadline; the countdown here only shows it. Saves run one at a
// time, in order, each carrying the latest text and the milliseconds spent on the question since its last save.
// Saves can still reach the server out of order (the keepalive save on leaving overtakes one in flight; two tabs of
// one round interleave), so each edit goes out whole and numbered above the last (`revision`, continued from the
// stored one on load): the server keeps only a newer one, and answers an older one with what it holds (`stale`).
// Every edit is also kept in localStorage, numbered with the revision it will be sent as, until the server has
// acknowledged it: a page loaded before the save sent on leaving arrived (a quick reload) finds there text newer than
// the server's, shows it, and sends it again, so nothing typed is lost to a reload, a closed tab or a crash.

import { csrfHeaders } from "./app.js";

const DEBOUNCE_MS = 800; // a pause in typing this long saves
const MAX_WAIT_MS = 1500; // typing without a pause still saves this often: the server is never ~2 s behind
const FLUSH_BEFORE_DEADLINE_MS = 2000; // in the last seconds every keystroke saves at once
const HEARTBEAT_MS = 15000; // time spent reading (no typing) is reported this often
const RETRY_MS = 2000;

const pad = (number) => String(number).padStart(2, "0");

function clockText(ms) {
  const seconds = Math.max(0, Math.ceil(ms / 1000));
  const hours = Math.floor(seconds / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  const rest = `${pad(seconds % 60)}`;
  return hours ? `${hours}:${pad(minutes)}:${rest}` : `${minutes}:${rest}`;
}

function timeOfDay(iso) {
  const moment = new Date(iso);
  return `${pad(moment.getHours())}:${pad(moment.getMinutes())}:${pad(moment.getSeconds())}`;
}

function startRound(root) {
  const api = root.dataset.api;
  const deadline = Number(root.dataset.deadlineMs);
  const offset = Number(root.dataset.serverNowMs) - Date.now(); // the server's clock minus this one
  const budget = Number(root.dataset.budgetMs);
  const text = (name) => root.dataset[name] || "";
  const forms = new Map([...root.querySelectorAll("form.mock-question")].map((f) => [Number(f.dataset.position), f]));
  const states = new Map([...forms.keys()].map((position) => [position, {
    dirty: false, dirtySince: null, flagDirty: false, queued: false, timer: null, pendingMs: 0,
    revision: Number(forms.get(position).dataset.revision || 0),
  }]));
  const stateLine = root.querySelector("[data-save-state]");
  const errorLine = root.querySelector("[data-error]");
  let current = Number(root.dataset.position);
  let activeSince = null;
  let chain = Promise.resolve();
  let closed = false;
  let finishing = false;

  const serverNow = () => Date.now() + offset;
  const keyOf = (position) => `preplab:mock:${root.dataset.interviewId}:${position}`;

  // localStorage may be full or switched off; the server copy still works without it.
  function keep(position) {
    try {
      const entry = { ...onPage(position), revision: states.get(position).revision + 1 };
      localStorage.setItem(keyOf(position), JSON.stringify(entry));
    } catch { /* nothing kept */ }
  }
  function forget(position) {
    try { localStorage.removeItem(keyOf(position)); } catch { /* nothing kept */ }
  }
  function kept(position) {
    try { return JSON.parse(localStorage.getItem(keyOf(position)) || "null"); } catch { return null; }
  }
  function forgetAll() {
    for (const position of forms.keys()) forget(position);
  }
  const form = (position) => forms.get(position);
  const dot = (position) => root.querySelector(`[data-goto="${position}"]`);

  function showState(key, savedAt) {
    stateLine.dataset.state = key;
    stateLine.textContent = key === "saved" ? text("msgSaved").replace("{time}", timeOfDay(savedAt)) : text(key);
  }

  // Time on the current question, counted while it is on screen and the page is visible.
  function clockIn() {
    if (!closed && document.visibilityState === "visible") activeSince = performance.now();
  }
  function clockOut() {
    if (activeSince === null) return;
    states.get(current).pendingMs += performance.now() - activeSince;
    activeSince = null;
  }
  function unsentMs(position) {
    const live = position === current && activeSince !== null ? performance.now() - activeSince : 0;
    return states.get(position).pendingMs + live;
  }
  function takeElapsed(position) {
    if (position === current && activeSince !== null) {
      clockOut();
      clockIn();
    }
    const state = states.get(position);
    const elapsed = Math.round(state.pendingMs);
    state.pendingMs = 0;
    return elapsed;
  }

  // The whole state of a position as this page shows it: what a numbered save carries.
  function onPage(position) {
    const element = form(position);
    const state = { flagged: element.querySelector("[data-flag]").checked };
    if (element.dataset.kind === "mcq") {
      state.choice = [...element.querySelectorAll("[data-choice]:checked")].map((input) => input.value).join(",");
    } else {
      state.answer = element.querySelector("[data-answer]").value;
    }
    return state;
  }

  function payload(position) {
    const state = states.get(position);
    const body = state.dirty || state.flagDirty ? { ...onPage(position), revision: ++state.revision } : {};
    state.dirty = false;
    state.dirtySince = null;
    state.flagDirty = false;
    body.elapsed_ms = takeElapsed(position);
    return body;
  }

  // What a save was sent for (edits.text, edits.flag): a failed one marks them unsaved again.
  function putBack(position, body, edits) {
    const state = states.get(position);
    if (edits.text) {
      state.dirty = true;
      state.dirtySince ??= performance.now();
    }
    if (edits.flag) state.flagDirty = true;
    state.pendingMs += body.elapsed_ms;
  }

  // A stale save: the server holds a newer edit (another tab of this round, or the keepalive save that overtook this
  // one). What this page did not edit it takes from the server; what it edited and the server lacks (its typing,
  // its flag) goes again, numbered above the stored revision, so nothing shown here is lost unseen.
  function reconcile(position, data, edits) {
    const state = states.get(position);
    const element = form(position);
    const mcq = element.dataset.kind === "mcq";
    if (!edits.flag && !state.flagDirty) element.querySelector("[data-flag]").checked = data.flagged;
    if (!edits.text && !state.dirty) {
      if (mcq) {
        for (const input of element.querySelectorAll("[data-choice]")) {
          input.checked = data.choice.includes(input.value);
        }
      } else {
        element.querySelector("[data-answer]").value = data.answer;
      }
    }
    const shown = onPage(position);
    const labels = (list) => [...list].sort().join(",");
    const same = mcq ? labels(shown.choice.split(",").filter(Boolean)) === labels(data.choice)
      : shown.answer === data.answer;
    if (!same) {
      state.dirty = true;
      state.dirtySince ??= performance.now();
    }
    if (shown.flagged !== data.flagged) state.flagDirty = true;
    if (state.dirty || state.flagDirty) queue(position);
  }

  function saved(position, data, edits) {
    const state = states.get(position);
    state.revision = Math.max(state.revision, data.revision);
    if (data.stale) reconcile(position, data, edits);
    if (!state.dirty && !state.flagDirty) forget(position); // the server holds everything this page shows
    const element = form(position);
    element.dataset.timeSpent = data.time_spent_ms;
    element.dataset.savedAt = data.saved_at;
    const answered = element.dataset.kind === "mcq" ? data.choice.length > 0 : data.answer.trim() !== "";
    dot(position).dataset.answered = String(answered);
    dot(position).dataset.flagged = String(data.flagged);
    showState(state.dirty ? "msgUnsaved" : "saved", data.saved_at);
  }

  async function send(position, keepalive = false) {
    states.get(position).queued = false;
    if (closed) return;
    const edits = { text: states.get(position).dirty, flag: states.get(position).flagDirty };
    const body = payload(position);
    if (!("revision" in body) && body.elapsed_ms < 1) return;
    if (!keepalive) showState("msgSaving");
    let response;
    try {
      response = await fetch(`${api}/answers/${position}`, {
        method: "PUT", keepalive, body: JSON.stringify(body),
        headers: csrfHeaders({ "Content-Type": "application/json", Accept: "application/json" }),
      });
    } catch {
      putBack(position, body, edits);
      showState("msgFailed");
      setTimeout(() => queue(position), RETRY_MS);
      return;
    }
    const data = await response.json().catch(() => ({}));
    if (response.ok) return saved(position, data, edits);
    if (response.status === 409) return refused(data);
    putBack(position, body, edits);
    showError(data.detail || response.statusText);
  }

  function queue(position) {
    const state = states.get(position);
    clearTimeout(state.timer);
    state.timer = null;
    if (state.queued || closed) return chain;
    state.queued = true;
    chain = chain.then(() => send(position));
    return chain;
  }

  function flushAll() {
    for (const [position, state] of states) {
      if (state.dirty || state.flagDirty || unsentMs(position) >= 1) queue(position);
    }
    return chain;
  }

  function showError(message) {
    errorLine.textContent = message;
    errorLine.hidden = !message;
  }

  function lock() {
    closed = true;
    clockOut();
    for (const element of forms.values()) {
      for (const control of element.querySelectorAll("input, textarea, button")) control.disabled = true;
    }
  }

  function refused(data) {
    showError(data.detail || "");
    lock();
    forgetAll(); // the round takes no more answers: what is kept here could never be sent
    if (data.code === "time_up" || data.code === "finished") finish();
  }

  async function finish() {
    if (finishing) return;
    finishing = true;
    if (deadline - serverNow() <= 0) showState("msgTimeUp");
    await flushAll();
    lock();
    try {
      const handedIn = await fetch(`${api}/finish`, { method: "POST", headers: csrfHeaders({ Accept: "application/json" }) });
      if (handedIn.ok || handedIn.status === 409) forgetAll();
    } finally {
      window.location.assign(root.dataset.reportUrl);
    }
  }

  // The address names the question on screen, so a reload comes back to it.
  function remember(position) {
    const url = new URL(window.location.href);
    url.searchParams.set("q", String(position));
    history.replaceState(null, "", url);
  }

  function show(position) {
    if (!forms.has(position) || position === current) return;
    clockOut();
    queue(current);
    form(current).hidden = true;
    dot(current).removeAttribute("aria-current");
    current = position;
    form(current).hidden = false;
    dot(current).setAttribute("aria-current", "step");
    remember(position);
    clockIn();
    const savedAt = form(current).dataset.savedAt;
    if (savedAt) showState("saved", savedAt);
    form(current).querySelector("[data-answer], [data-choice]")?.focus({ preventScroll: true });
  }

  function edited(event) {
    const element = event.target.closest("form.mock-question");
    if (!element || closed) return;
    const position = Number(element.dataset.position);
    const state = states.get(position);
    if (event.target.matches("[data-flag]")) {
      state.flagDirty = true;
      keep(position);
      queue(position);
      return;
    }
    state.dirty = true;
    state.dirtySince ??= performance.now();
    keep(position);
    showState("msgUnsaved");
    const wait = Math.min(DEBOUNCE_MS, MAX_WAIT_MS - (performance.now() - state.dirtySince));
    if (event.target.matches("[data-choice]") || wait <= 0 || deadline - serverNow() <= FLUSH_BEFORE_DEADLINE_MS) {
      queue(position);
    } else {
      clearTimeout(state.timer);
      state.timer = setTimeout(() => queue(position), wait);
    }
  }

  function tick() {
    const remaining = deadline - serverNow();
    root.querySelector("[data-clock]").textContent = clockText(remaining);
    root.classList.toggle("is-urgent", remaining < 60000);
    const spent = Number(form(current).dataset.timeSpent || 0) + unsentMs(current);
    const questionClock = root.querySelector("[data-question-clock]");
    if (budget > 0) {
      const left = budget - spent;
      questionClock.textContent = left >= 0 ? clockText(left) : `${text("msgOver")} +${clockText(-left)}`;
      questionClock.classList.toggle("is-over", left < 0);
    } else {
      questionClock.textContent = clockText(spent);
    }
    if (closed) return;
    if (remaining <= FLUSH_BEFORE_DEADLINE_MS) flushAll();
    if (remaining <= 0) finish();
  }

  function leaving() {
    // The page is going away: whatever is not saved goes now, with keepalive, outside the queue.
    clockOut();
    for (const [position, state] of states) {
      if (state.dirty || state.flagDirty || state.pendingMs >= 1) send(position, true);
    }
  }

  root.addEventListener("input", edited);
  root.addEventListener("focusout", (event) => {
    const element = event.target.closest?.("form.mock-question");
    if (element && states.get(Number(element.dataset.position)).dirty) queue(Number(element.dataset.position));
  });
  root.addEventListener("click", (event) => {
    const link = event.target.closest("[data-goto]");
    if (!link || event.ctrlKey || event.metaKey || event.shiftKey) return;
    event.preventDefault();
    show(Number(link.dataset.goto));
  });
  root.addEventListener("submit", (event) => {
    event.preventDefault();
    const target = event.submitter?.value;
    if (event.target.matches("[data-finish]") || target === "finish") finish();
    else if (target && /^\d+$/.test(target)) {
      if (Number(target) === current) queue(current);
      else show(Number(target));
    }
  });
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "hidden") leaving();
    else clockIn();
  });
  window.addEventListener("pagehide", leaving);

  // What this browser kept and the server has not got (its revision is above the stored one) is shown and sent.
  function recover(position) {
    const entry = kept(position);
    const state = states.get(position);
    if (!entry || !(entry.revision > state.revision)) {
      forget(position);
      return;
    }
    const element = form(position);
    if (element.dataset.kind === "mcq") {
      const chosen = String(entry.choice || "").split(",");
      for (const input of element.querySelectorAll("[data-choice]")) input.checked = chosen.includes(input.value);
    } else if (typeof entry.answer === "string") {
      element.querySelector("[data-answer]").value = entry.answer;
    }
    element.querySelector("[data-flag]").checked = Boolean(entry.flagged);
    state.dirty = true;
    state.flagDirty = true;
    state.dirtySince = performance.now();
    queue(position);
  }

  for (const button of root.querySelectorAll("[data-plain-save]")) button.hidden = true; // autosave replaces it
  if (!closed) for (const position of forms.keys()) recover(position);
  remember(current);
  const savedAt = form(current).dataset.savedAt;
  if (savedAt) showState("saved", savedAt);
  clockIn();
  tick();
  setInterval(tick, 250);
  setInterval(() => {
    if (!closed && unsentMs(current) >= 5000) queue(current);
  }, HEARTBEAT_MS);
}

const round = document.getElementById("mock-round");
if (round) startRound(round);
