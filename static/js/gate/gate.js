// The staff gate page, offline-capable. Without JavaScript the page posts each code to
// the server. With it, on a registered device: codes go to the server while it answers;
// when requests fail the page decides by itself from the day's pack (signed codes checked
// with the park's public keys, backup codes by their salted hash, this gate's own scans),
// records every scan with a hybrid logical clock, and uploads them when the server is back.
import * as store from "./store.js";
import { ADMISSION, DOUBLE_ENTRY, REENTRY, entryRole, localState } from "./rules.js";

const root = document.getElementById("offline-gate");
const T = JSON.parse(document.getElementById("gate-strings").textContent);
const cfg = JSON.parse(document.getElementById("gate-config").textContent);
const form = document.querySelector(".scanner__form");
const codeInput = form.querySelector("[name=code]");
const $ = (sel) => root.querySelector(sel);
const PACK_EVERY = 3 * 60 * 1000;
const SYNC_EVERY = 15 * 1000;
const TIMEOUT = 4000;
let online = true;
let mode = "entry";
let registered = false;

// --- the server ---------------------------------------------------------------------------

async function call(url, options = {}) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), TIMEOUT);
  try {
    const response = await fetch(url, { ...options, signal: controller.signal, credentials: "same-origin" });
    setOnline(true);
    return response;
  } catch (error) {
    setOnline(false);
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

const csrf = () => form.querySelector("[name=csrfmiddlewaretoken]").value;
const deviceHeaders = (token) => ({ Authorization: `Device ${token}`, "Content-Type": "application/json" });

function setOnline(value) {
  online = value;
  $("[data-connection]").textContent = value ? T.online : T.offline;
  $("[data-connection]").dataset.connection = value ? "online" : "offline";
}

// --- clock --------------------------------------------------------------------------------

async function hlcNext() {
  const last = (await store.get("hlc")) || { ms: 0, counter: 0 };
  const now = Date.now();
  const next = now > last.ms ? { ms: now, counter: 0 } : { ms: last.ms, counter: last.counter + 1 };
  await store.set("hlc", next);
  return next;
}

const localDay = (date = new Date()) =>
  `${date.getFullYear()}-${String(date.getMonth() + 1).padStart(2, "0")}-${String(date.getDate()).padStart(2, "0")}`;

// --- device and pack ----------------------------------------------------------------------

async function register() {
  const option = document.querySelector("#id_park").selectedOptions[0];
  const park = cfg.parks[option ? option.value : ""];
  if (!park) return;
  const name = (document.querySelector("#id_gate").value || "gate").slice(0, 100);
  const response = await call(cfg.urls.register, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() },
    body: JSON.stringify({ park, name }),
  });
  if (response.status !== 201) return;
  const device = await response.json();
  await store.set("device", device);
  await refreshPack();
  await render();
}

async function refreshPack() {
  const device = await store.get("device");
  if (!device) return;
  let response;
  try {
    response = await call(cfg.urls.pack, { headers: deviceHeaders(device.token) });
  } catch {
    return;
  }
  if (response.status === 403 || response.status === 401) {
    await store.wipe(); // revoked: nothing of the park stays on this device
    $("[data-note]").textContent = T.revoked;
    return render();
  }
  if (response.ok) await store.set("pack", await response.json());
}

// --- verifying a code offline -------------------------------------------------------------

const b64 = (text) => Uint8Array.from(atob(text.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((text.length + 3) % 4)), (c) => c.charCodeAt(0));

async function ed25519Verify(publicKey, signature, message) {
  try {
    const key = await crypto.subtle.importKey("raw", publicKey, { name: "Ed25519" }, false, ["verify"]);
    return await crypto.subtle.verify({ name: "Ed25519" }, key, signature, message);
  } catch (error) {
    if (error && error.name === "NotSupportedError") {
      const ed = await import(cfg.urls.noble);
      return ed.verifyAsync(signature, message, publicKey);
    }
    return false;
  }
}

async function hmacHex(salt, text) {
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(salt), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(text)));
  return Array.from(mac, (b) => b.toString(16).padStart(2, "0")).join("").slice(0, 32);
}

function backupNormalise(code) {
  const value = code.toUpperCase().replace(/[^0-9A-Z]/g, "").replace(/O/g, "0").replace(/[IL]/g, "1");
  return /^[0-9A-HJKMNP-TV-Z]{8}$/.test(value) ? value : null;
}

// ``{ticket row, method}`` or ``{refusal}``.
async function findTicket(pack, code) {
  if (code.startsWith("SP1.")) {
    const parts = code.split(".");
    if (parts.length !== 4) return { refusal: "forged" };
    const key = pack.keys.find((k) => k.key_id === parts[1]);
    if (!key) return { refusal: "unknown_key" };
    let payload;
    try {
      const message = new TextEncoder().encode(parts.slice(0, 3).join("."));
      if (!(await ed25519Verify(b64(key.public_key), b64(parts[3]), message))) return { refusal: "forged" };
      payload = JSON.parse(new TextDecoder().decode(b64(parts[2])));
    } catch {
      return { refusal: "forged" };
    }
    if (payload.p !== pack.park.id) return { refusal: "wrong_park" };
    if (pack.revoked.includes(payload.t)) return { refusal: "cancelled" };
    const row = pack.tickets.find((t) => t.id === payload.t);
    if (!row) return { refusal: pack.day < payload.d ? "wrong_date" : "expired" };
    return { row, method: "qr" };
  }
  if (/^ticket\./.test(code)) return { refusal: "needs_online" };
  const backup = backupNormalise(code);
  if (!backup) return { refusal: "unknown" };
  const hash = await hmacHex(pack.salt, backup);
  const row = pack.tickets.find((t) => t.backup === hash);
  return row ? { row, method: "manual" } : { refusal: "unknown" };
}

function slotOpen(row, pack, now) {
  if (!row.window) return true;
  const grace = (pack.park.slot_grace_minutes || 0) * 60000;
  const [h1, m1] = row.window[0].split(":").map(Number);
  const [h2, m2] = row.window[1].split(":").map(Number);
  const start = new Date(now); start.setHours(h1, m1, 0, 0);
  const end = new Date(now); end.setHours(h2, m2, 0, 0);
  return now >= start.getTime() - grace && now <= end.getTime();
}

// ``refusal`` forces a refusal decided before the rules (an adult not on the list).
async function decideOffline(code, guardian = "", refusal = "") {
  const pack = await store.get("pack");
  const device = await store.get("device");
  if (!pack || !device) return { admitted: false, reason: "no_pack" };
  if (Date.now() > Date.parse(pack.expires_at)) return { admitted: false, reason: "pack_expired" };
  const found = await findTicket(pack, code);
  const clock = await hlcNext();
  const day = localDay();
  const scan = {
    event_id: crypto.randomUUID(),
    hlc: `${clock.ms}:${clock.counter}`,
    kind: mode,
    ticket_id: found.row ? found.row.id : null,
    method: mode === "entry" ? found.method || "" : "",
    code: mode === "entry" && found.row ? code : "",
    staff_id: cfg.staff,
    guardian,
    synced: false,
    recorded: Date.now(),
  };
  let admitted = false;
  let reason = found.refusal || "";
  if (found.row) {
    const row = found.row;
    const facts = {
      valid: ["active", "used"].includes(row.status),
      validFrom: row.valid_from,
      validUntil: row.valid_until,
      visitsAllowed: row.visits_allowed,
      reentryAllowed: pack.park.reentry_allowed,
    };
    const generated = Date.parse(pack.generated_at);
    const mine = (await store.scansAll())
      .filter((s) => s.ticket_id === row.id && (!s.synced || s.syncedAt > generated))
      .sort((a, b) => a.hlc.localeCompare(b.hlc, undefined, { numeric: true }));
    const state = localState(row, mine, day, facts);
    if (refusal) {
      reason = refusal;
    } else if (pack.park.guardian_pairing && !(row.guardians || []).includes(guardian)) {
      reason = guardian ? "guardian_not_listed" : "guardian_required";
    } else if (mode === "exit") {
      admitted = state.inside;
      reason = admitted ? "" : "not_inside";
    } else if (!slotOpen(row, pack, Date.now())) {
      reason = "wrong_time";
    } else {
      const [role] = entryRole(state, facts, day);
      admitted = role === ADMISSION || role === REENTRY;
      reason = role === DOUBLE_ENTRY ? "already_used" : "";
    }
    scan.visitors = row.visitors;
    scan.ages = row.ages;
  }
  scan.admitted = admitted;
  scan.reason = admitted ? "" : reason.slice(0, 30);
  if (scan.ticket_id || !admitted) await store.scanAdd(scan);
  return { admitted, reason, visitors: scan.visitors, guardian, offline: true };
}

// --- child–guardian pairing ---------------------------------------------------------------

// Asks staff which listed adult is with the children: resolves to the adult's label, or
// to null when staff press "not on the list". The adult this gate let in with the
// children is marked at exit.
function pickGuardian(labels, cameWith) {
  const box = $("[data-guardians]");
  const list = box.querySelector("[data-guardian-list]");
  list.replaceChildren();
  return new Promise((resolve) => {
    const done = (value) => {
      box.hidden = true;
      list.replaceChildren();
      resolve(value);
    };
    for (const label of labels) {
      const button = Object.assign(document.createElement("button"), { type: "button", className: "button" });
      button.textContent = label === cameWith ? `${label} ✓` : label;
      button.dataset.guardian = label;
      button.addEventListener("click", () => done(label));
      list.append(button);
    }
    box.querySelector("[data-guardian-none]").onclick = () => done(null);
    box.hidden = false;
    (list.querySelector("button") || box.querySelector("[data-guardian-none]")).focus();
  });
}

async function cameWith(ticketId) {
  const entries = (await store.scansAll())
    .filter((s) => s.ticket_id === ticketId && s.kind === "entry" && s.admitted && s.guardian)
    .sort((a, b) => b.hlc.localeCompare(a.hlc, undefined, { numeric: true }));
  return entries.length ? entries[0].guardian : "";
}

// ``{guardian}`` to go on with, ``{refused: verdict}`` when the adult is not listed, or
// ``{}`` when the park does not pair (or the pack does not know the ticket: the server asks).
async function guardianFor(code) {
  const pack = await store.get("pack");
  if (!pack || !pack.park.guardian_pairing) return {};
  const found = await findTicket(pack, code);
  if (!found.row) return {};
  const label = await pickGuardian(found.row.guardians || [], await cameWith(found.row.id));
  if (label === null) return { refused: await decideOffline(code, "", "guardian_not_listed") };
  return { guardian: label };
}

// --- scanning -----------------------------------------------------------------------------

async function scanOnline(code, device, guardian) {
  if (mode === "exit") return null; // exits go through the log and its upload
  const option = document.querySelector("#id_park").selectedOptions[0];
  const gate = document.querySelector("#id_gate").value || device.name;
  const response = await call(cfg.urls.admit, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() },
    body: JSON.stringify({ park: cfg.parks[option.value], code, gate, guardian }),
  });
  if (!response.ok) return null;
  const verdict = await response.json();
  const listed = (verdict.details || {}).guardians;
  if (verdict.reason === "guardian_required" && listed && listed.length) {
    const label = await pickGuardian(listed, "");  // the pack did not know the ticket: the server lists
    if (label === null) return decideOffline(code, "", "guardian_not_listed");
    return scanOnline(code, device, label);
  }
  return { ...verdict, guardian };
}

async function check(code) {
  code = code.replace(/\s+/g, "");
  if (!code) return;
  const device = await store.get("device");
  const pairing = await guardianFor(code);
  let verdict = pairing.refused || null;
  if (!verdict) {
    try {
      verdict = await scanOnline(code, device, pairing.guardian || "");
    } catch {
      verdict = null;
    }
  }
  if (!verdict) {
    verdict = await decideOffline(code, pairing.guardian || "");
    if (online) sync();
  } else if (pairing.refused && online) {
    sync();
  }
  show(verdict);
  codeInput.value = "";
  codeInput.focus();
  await render();
}

function show(verdict) {
  document.querySelectorAll(".verdict").forEach((el) => el.remove());
  const box = document.createElement("div");
  box.className = `verdict ${verdict.admitted ? "verdict--ok" : "verdict--refused"}`;
  box.dataset.verdict = verdict.admitted ? "admitted" : "refused";
  box.setAttribute("role", verdict.admitted ? "status" : "alert");
  const head = document.createElement("p");
  head.className = "verdict__headline";
  head.textContent = `${verdict.admitted ? "✔" : "✘"} ${verdict.admitted ? (mode === "exit" ? T.exited : T.admitted) : T.refused}`;
  box.append(head);
  const body = document.createElement("p");
  body.className = "verdict__reason";
  body.dataset.reason = verdict.reason || "";
  body.textContent = verdict.message || T.reasons[verdict.reason] || "";
  if (verdict.visitors) body.textContent += ` ${T.visitors.replace("%(n)s", verdict.visitors)}`;
  if (verdict.admitted && verdict.guardian) body.textContent += ` ${T.guardian_with.replace("%(name)s", verdict.guardian)}`;
  if (verdict.offline) body.textContent += ` (${T.decided_offline})`;
  box.append(body);
  form.before(box);
}

// --- upload -------------------------------------------------------------------------------

let syncing = false;
async function sync() {
  const device = await store.get("device");
  if (!device || syncing) return;
  syncing = true;
  try {
    const waiting = (await store.scansAll()).filter((s) => !s.synced && !s.rejected);
    for (let i = 0; i < waiting.length; i += 200) {
      const chunk = waiting.slice(i, i + 200);
      const events = chunk.map(({ synced, recorded, syncedAt, visitors, ages, rejected, ...event }) => event);
      const response = await call(cfg.urls.scans, {
        method: "POST",
        headers: deviceHeaders(device.token),
        body: JSON.stringify({ batch_id: crypto.randomUUID(), events }),
      });
      if (response.ok || response.status === 409) {
        const now = Date.now();
        for (const scan of chunk) await store.scanAdd({ ...scan, synced: true, syncedAt: now });
      } else if (response.status === 400) {
        const body = await response.json();
        const bad = chunk[(body.error.details || {}).event];
        if (bad) await store.scanAdd({ ...bad, rejected: body.error.details.reason || "invalid" });
      } else if (response.status === 403 || response.status === 401) {
        await store.wipe();
        break;
      }
    }
  } catch {
    // still offline: the scans wait
  } finally {
    syncing = false;
    await render();
  }
}

// --- camera -------------------------------------------------------------------------------

let stream = null;
async function cameraStart() {
  const video = $("video");
  stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false });
  video.srcObject = stream;
  video.hidden = false;
  await video.play();
  let detect;
  if ("BarcodeDetector" in window) {
    const detector = new window.BarcodeDetector({ formats: ["qr_code"] });
    detect = async () => ((await detector.detect(video))[0] || {}).rawValue;
  } else {
    if (!window.jsQR) {
      await new Promise((resolve, reject) => {
        const script = Object.assign(document.createElement("script"), { src: cfg.urls.jsqr, onload: resolve, onerror: reject });
        document.head.append(script);
      });
    }
    const canvas = document.createElement("canvas");
    const context = canvas.getContext("2d", { willReadFrequently: true });
    detect = async () => {
      canvas.width = video.videoWidth;
      canvas.height = video.videoHeight;
      if (!canvas.width) return null;
      context.drawImage(video, 0, 0);
      const found = window.jsQR(context.getImageData(0, 0, canvas.width, canvas.height).data, canvas.width, canvas.height);
      return found && found.data;
    };
  }
  let last = "";
  const loop = async () => {
    if (!stream) return;
    const value = await detect().catch(() => null);
    if (value && value !== last) {
      last = value;
      codeInput.value = value;
      await check(value);
      setTimeout(() => { last = ""; }, 3000);
    }
    setTimeout(loop, 200);
  };
  loop();
}

function cameraStop() {
  if (stream) stream.getTracks().forEach((t) => t.stop());
  stream = null;
  $("video").hidden = true;
}

// --- the panel ----------------------------------------------------------------------------

async function render() {
  const device = await store.get("device");
  const pack = await store.get("pack");
  const scans = await store.scansAll();
  const waiting = scans.filter((s) => !s.synced && !s.rejected).length;
  registered = Boolean(device);
  $("[data-register]").hidden = Boolean(device);
  $("[data-tools]").hidden = !device;
  $("[data-waiting]").textContent = T.waiting.replace("%(n)s", waiting);
  $("[data-waiting]").dataset.waiting = waiting;
  $("[data-pack]").textContent = pack ? T.pack.replace("%(n)s", pack.tickets.length).replace("%(time)s", new Date(pack.generated_at).toLocaleTimeString()) : T.no_pack;
  $("[data-device]").textContent = device ? device.name : "";
}

async function start() {
  root.hidden = false;
  $("[data-register]").addEventListener("click", register);
  $("[data-camera]").addEventListener("click", () => (stream ? cameraStop() : cameraStart()));
  $("[data-mode]").addEventListener("change", (event) => { mode = event.target.checked ? "exit" : "entry"; });
  form.addEventListener("submit", (event) => {
    if (!registered) return; // not registered: the form posts as before
    event.preventDefault();
    check(codeInput.value);
  });
  if ("serviceWorker" in navigator) navigator.serviceWorker.register(cfg.urls.sw).catch(() => {});
  await refreshPack().catch(() => {});
  await render();
  setInterval(() => refreshPack().then(render), PACK_EVERY);
  setInterval(sync, SYNC_EVERY);
  window.addEventListener("online", sync);
  sync();
}

start();
