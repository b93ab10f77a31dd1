// The field app: a surveyor's assignment, listings and interviews kept on the phone,
// encrypted with a key derived from the surveyor's PIN (PBKDF2, AES-GCM), and sent when
// a network is there, each record with a key made here so that it is stored once.
"use strict";

(() => {
  const body = document.body;
  const S = JSON.parse(document.getElementById("strings").textContent);
  const lang = document.documentElement.lang === "en" ? "en" : "vi";
  const enc = new TextEncoder();
  const dec = new TextDecoder();
  const $ = (id) => document.getElementById(id);
  const say = (text, values = {}) =>
    text.replace(/\{(\w+)\}/g, (_, name) => String(values[name] ?? ""));
  const local = (text) => (text && typeof text === "object" ? text[lang] || text.vi : text || "");
  let key = null; // the AES key, in memory only after the PIN
  // {assignment, visits: {village: {number: outcome}}, pending: {key: {village, number,
  // outcome}} (visits not yet sent), sent: {village: {number: outcome}}}
  let state = null;
  let current = null; // the village (and household) on screen

  // --- Storage: IndexedDB, "meta" (salt, check, state) and "outbox" (records) --------
  const database = new Promise((resolve, reject) => {
    const request = indexedDB.open("field", 1);
    request.onupgradeneeded = () => {
      request.result.createObjectStore("meta", { keyPath: "name" });
      request.result.createObjectStore("outbox", { keyPath: "key" });
    };
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  const store = async (name, mode, work) => {
    const db = await database;
    return new Promise((resolve, reject) => {
      const tx = db.transaction(name, mode);
      const result = work(tx.objectStore(name));
      tx.oncomplete = () => resolve(result && "result" in result ? result.result : undefined);
      tx.onerror = () => reject(tx.error);
    });
  };
  const get = (name, id) => store(name, "readonly", (s) => s.get(id));
  const put = (name, value) => store(name, "readwrite", (s) => s.put(value));
  const remove = (name, id) => store(name, "readwrite", (s) => s.delete(id));
  const all = (name) => store(name, "readonly", (s) => s.getAll());
  const count = (name) => store(name, "readonly", (s) => s.count());

  // --- Encryption -----------------------------------------------------------------------
  async function derive(pin, salt) {
    const base = await crypto.subtle.importKey("raw", enc.encode(pin), "PBKDF2", false, ["deriveKey"]);
    return crypto.subtle.deriveKey(
      { name: "PBKDF2", salt, iterations: 200000, hash: "SHA-256" },
      base, { name: "AES-GCM", length: 256 }, false, ["encrypt", "decrypt"],
    );
  }
  async function seal(value) {
    const iv = crypto.getRandomValues(new Uint8Array(12));
    const data = await crypto.subtle.encrypt({ name: "AES-GCM", iv }, key, enc.encode(JSON.stringify(value)));
    return { iv, data };
  }
  async function unseal(sealed) {
    const plain = await crypto.subtle.decrypt({ name: "AES-GCM", iv: sealed.iv }, key, sealed.data);
    return JSON.parse(dec.decode(plain));
  }
  const newKey = () => Array.from(crypto.getRandomValues(new Uint8Array(16)),
    (b) => b.toString(16).padStart(2, "0")).join("");

  async function saveState() {
    await put("meta", { name: "state", ...(await seal(state)) });
  }

  // --- Screens --------------------------------------------------------------------------
  function show(id) {
    for (const section of document.querySelectorAll("main > section")) section.hidden = section.id !== id;
    const heading = $(id).querySelector("h1");
    if (heading) { heading.tabIndex = -1; heading.focus(); }
  }
  const status = (text) => { $("status").textContent = text; };
  async function refreshWaiting() { $("waiting").textContent = String(await count("outbox")); }
  function showNetwork() {
    const line = $("network");
    line.textContent = navigator.onLine ? S.online : S.offline;
    line.classList.toggle("offline", !navigator.onLine);
  }

  function renderVillages() {
    const list = $("village-list");
    list.replaceChildren();
    $("campaign-title").textContent = local(state.assignment.campaign);
    for (const village of state.assignment.villages) {
      const box = document.createElement("div");
      box.className = "village";
      const title = document.createElement("h3");
      title.textContent = `${village.name}, ${local(village.commune)}`;
      box.append(title);
      const line = document.createElement("p");
      if (village.listed == null) {
        line.textContent = S.not_listed;
        const button = document.createElement("button");
        button.type = "button";
        button.className = "button";
        button.textContent = S.list_village;
        button.addEventListener("click", () => openListing(village));
        box.append(line, button);
      } else {
        line.textContent = say(S.households, { count: village.households.length, listed: village.listed });
        const households = document.createElement("ul");
        households.className = "households";
        const visits = state.visits[village.id] || {};
        for (const household of village.households) {
          const item = document.createElement("li");
          const label = document.createElement("span");
          label.textContent = `${say(S.household, { number: household.number })}: ${household.description}`;
          const outcome = visits[household.number];
          const where = document.createElement("span");
          where.className = "household-state" + (outcome ? " done" : "");
          where.textContent = S["state_" + (outcome || "drawn")];
          item.append(label, where);
          // An interview is made once; a refusal or an empty house may be visited again.
          if (outcome !== "complete" && outcome !== "partial") {
            const button = document.createElement("button");
            button.type = "button";
            button.className = "button-link";
            button.textContent = S.record;
            button.setAttribute("aria-label", `${S.record}: ${say(S.household, { number: household.number })}`);
            button.addEventListener("click", () => openVisit(village, household));
            item.append(button);
          }
          households.append(item);
        }
        box.append(line, households);
      }
      list.append(box);
    }
    show("villages");
  }

  // --- Listing and the second-stage draw, on the phone ------------------------------------
  function openListing(village) {
    current = { village };
    $("listing-title").textContent = say(S.listing_of, { name: village.name });
    $("listing-text").value = "";
    show("listing");
  }

  function draw(population, wanted) {
    // Simple random sampling without replacement (a partial Fisher–Yates shuffle) from
    // the browser's cryptographic generator: no seed exists to replay it.
    const units = Array.from({ length: population }, (_, i) => i + 1);
    const take = Math.min(wanted, population);
    for (let i = 0; i < take; i++) {
      const limit = population - i;
      const random = new Uint32Array(1);
      let j;
      do { crypto.getRandomValues(random); j = random[0] % limit; }
      while (random[0] >= Math.floor(4294967296 / limit) * limit);
      [units[i], units[i + j]] = [units[i + j], units[i]];
    }
    return units.slice(0, take).sort((a, b) => a - b);
  }

  async function saveListing(event) {
    event.preventDefault();
    const descriptions = $("listing-text").value.split("\n").map((l) => l.trim()).filter(Boolean);
    if (!descriptions.length) { status(S.listing_empty); return; }
    const village = current.village;
    const drawn = draw(descriptions.length, state.assignment.households_per_village);
    const probability = drawn.length / descriptions.length;
    village.listed = descriptions.length;
    village.households = drawn.map((n) => ({ number: n, description: descriptions[n - 1], probability }));
    await put("outbox", { key: newKey(), kind: "listing", ...(await seal({ village_id: village.id, descriptions, drawn })) });
    await saveState();
    await refreshWaiting();
    renderVillages();
    status(say(S.listed, { drawn: drawn.length, listed: descriptions.length }));
  }

  // --- A visit: its outcome and, when interviewed, the questionnaire ------------------------
  function questionnaireItems() {
    return state.assignment.questionnaire.sections.flatMap((s) => s.items.map((item) => ({ ...item, section: s })));
  }

  function renderQuestions() {
    const box = $("questions");
    box.replaceChildren();
    const scale = state.assignment.questionnaire.satisfaction_scale;
    for (const section of state.assignment.questionnaire.sections) {
      const heading = document.createElement("h2");
      heading.textContent = local(section.title);
      box.append(heading);
      for (const item of section.items) {
        const options = item.type === "satisfaction"
          ? scale.map((label, i) => ({ value: i + 1, label }))
          : item.options || [];
        const group = document.createElement("fieldset");
        group.className = "field";
        group.dataset.code = item.code;
        if (item.show_if) group.dataset.showIf = JSON.stringify(item.show_if);
        const legend = document.createElement("legend");
        legend.textContent = local(item.text) + (item.required ? " *" : "");
        group.append(legend);
        if (options.length) {
          const choices = document.createElement("div");
          choices.className = "choices";
          for (const option of options) {
            const id = `q-${item.code}-${option.value}`;
            const label = document.createElement("label");
            label.className = "choice";
            label.htmlFor = id;
            const input = document.createElement("input");
            input.type = item.type === "multiple_choice" ? "checkbox" : "radio";
            input.name = item.code;
            input.id = id;
            input.value = String(option.value);
            const words = document.createElement("span");
            words.textContent = local(option.label);
            label.append(input, " ", words);
            choices.append(label);
          }
          group.append(choices);
        } else {
          const input = document.createElement(item.type === "long_text" ? "textarea" : "input");
          input.name = item.code;
          input.id = `q-${item.code}`;
          input.setAttribute("aria-label", local(item.text));
          if (item.type === "number") input.inputMode = "numeric";
          group.append(input);
        }
        box.append(group);
      }
    }
  }

  function answers() {
    const form = $("visit-form");
    const found = {};
    for (const item of questionnaireItems()) {
      if (item.type === "multiple_choice") {
        const chosen = [...form.querySelectorAll(`input[name="${item.code}"]:checked`)].map((i) => Number(i.value));
        if (chosen.length) found[item.code] = chosen;
      } else if (item.type === "satisfaction" || item.type === "single_choice") {
        const chosen = form.querySelector(`input[name="${item.code}"]:checked`);
        if (chosen) found[item.code] = Number(chosen.value);
      } else {
        const input = form.querySelector(`[name="${item.code}"]`);
        if (input && input.value.trim()) found[item.code] = item.type === "number" ? Number(input.value) : input.value.trim();
      }
    }
    return found;
  }

  function applyRules() {
    const given = answers();
    for (const group of $("questions").querySelectorAll("fieldset[data-show-if]")) {
      const rule = JSON.parse(group.dataset.showIf);
      const value = given[rule.item];
      const values = Array.isArray(value) ? value : [value];
      group.hidden = !values.some((v) => (rule.in || []).includes(v));
    }
  }

  function openVisit(village, household) {
    current = { village, household };
    $("visit-title").textContent = `${say(S.household, { number: household.number })}: ${household.description}`;
    $("visit-form").reset();
    $("visit-problem").textContent = "";
    renderQuestions();
    applyRules();
    $("questions").hidden = true;
    show("visit");
    current.started = Date.now();
  }

  async function saveVisit(event) {
    event.preventDefault();
    const outcome = ($("visit-form").querySelector('input[name="outcome"]:checked') || {}).value;
    if (!outcome) { $("visit-problem").textContent = S.choose_outcome; return; }
    const interviewed = outcome === "complete" || outcome === "partial";
    const given = interviewed ? answers() : {};
    if (outcome === "complete") {
      const missing = [...$("questions").querySelectorAll("fieldset[data-code]")]
        .filter((g) => !g.hidden)
        .map((g) => questionnaireItems().find((i) => i.code === g.dataset.code))
        .filter((item) => item.required && !(item.code in given))
        .map((item) => item.code);
      if (missing.length) { $("visit-problem").textContent = say(S.answer_all, { codes: missing.join(", ") }); return; }
    }
    const { village, household } = current;
    // A later visit replaces an earlier one: not yet sent, it is dropped; sent, the
    // server moves the household's count from the outcome it had to this one.
    for (const [pendingKey, pending] of Object.entries(state.pending)) {
      if (pending.village === village.id && pending.number === household.number) {
        await remove("outbox", pendingKey);
        delete state.pending[pendingKey];
      }
    }
    const record = {
      village_id: village.id,
      household: household.number,
      previous: (state.sent[village.id] || {})[household.number] || null,
      outcome,
      answers: given,
      seconds: Math.round((Date.now() - current.started) / 1000),
      interviewed_on: new Date().toISOString().slice(0, 10),
    };
    const recordKey = newKey();
    await put("outbox", { key: recordKey, kind: "visit", ...(await seal(record)) });
    state.pending[recordKey] = { village: village.id, number: household.number, outcome };
    state.visits[village.id] = { ...(state.visits[village.id] || {}), [household.number]: outcome };
    await saveState();
    await refreshWaiting();
    renderVillages();
    status(S.saved);
  }

  // --- Sending: a few records at a time, each removed once the server has it --------------
  let sending = false;
  async function send() {
    if (sending || !key) return;
    sending = true;
    try {
      const records = (await all("outbox")).filter((r) => !r.refused)
        .sort((a, b) => (a.kind === b.kind ? 0 : a.kind === "listing" ? -1 : 1));
      if (!records.length) { status(S.nothing); return; }
      let sent = 0;
      let refused = 0;
      for (let start = 0; start < records.length; start += 10) {
        const batch = records.slice(start, start + 10);
        const payload = { listings: [], visits: [] };
        for (const record of batch) {
          payload[record.kind === "listing" ? "listings" : "visits"].push({ key: record.key, ...(await unseal(record)) });
        }
        const response = await fetch(body.dataset.sync, {
          method: "POST",
          headers: { "Content-Type": "application/json", Authorization: `Bearer ${state.assignment.token}` },
          body: JSON.stringify(payload),
        });
        if (!response.ok) throw new Error(String(response.status));
        const result = await response.json();
        for (const stored of result.stored) {
          await remove("outbox", stored);
          sent += 1;
          const pending = state.pending[stored];
          if (pending) {
            state.sent[pending.village] = { ...(state.sent[pending.village] || {}), [pending.number]: pending.outcome };
            delete state.pending[stored];
          }
        }
        await saveState();
        for (const [refusedKey] of Object.entries(result.refused)) {
          const record = batch.find((r) => r.key === refusedKey);
          if (record) { await put("outbox", { ...record, refused: true }); refused += 1; }
        }
        await refreshWaiting();
      }
      status(say(S.sent, { count: sent }) + (refused ? " " + say(S.refused, { count: refused }) : ""));
    } catch (error) {
      status(S.send_failed);
    } finally {
      sending = false;
      await refreshWaiting();
    }
  }

  // --- Start: download, choose a PIN, or unlock -------------------------------------------
  async function download() {
    try {
      const response = await fetch(body.dataset.assignment, { credentials: "same-origin" });
      if (response.status === 404) { status(S.no_assignment); return; }
      if (!response.ok || !(response.headers.get("content-type") || "").includes("json")) throw new Error();
      current = { downloaded: await response.json() };
      show("pin-set");
      status(S.downloaded);
    } catch (error) {
      status(S.download_failed);
    }
  }

  async function setPin(event) {
    event.preventDefault();
    const pin = $("pin-new").value;
    if (!/^\d{6}$/.test(pin)) { status(S.pin_short); return; }
    if (pin !== $("pin-again").value) { status(S.pin_differs); return; }
    const salt = crypto.getRandomValues(new Uint8Array(16));
    key = await derive(pin, salt);
    await put("meta", { name: "salt", value: salt });
    await put("meta", { name: "check", ...(await seal("field")) });
    state = { assignment: current.downloaded, visits: {}, pending: {}, sent: {} };
    await saveState();
    renderVillages();
  }

  async function unlock(event) {
    event.preventDefault();
    const salt = await get("meta", "salt");
    key = await derive($("pin").value, salt.value);
    try {
      await unseal(await get("meta", "check"));
    } catch (error) {
      key = null;
      status(S.pin_wrong);
      return;
    }
    $("pin").value = "";
    state = await unseal(await get("meta", "state"));
    renderVillages();
    if (navigator.onLine) send();
  }

  async function keepOffline() {
    // The page and its files, for when there is no network (the service worker serves
    // them from here).
    if (!("caches" in window)) return;
    const urls = [location.pathname + location.search, body.dataset.scope,
      ...[...document.querySelectorAll('link[rel="stylesheet"], link[rel="manifest"], script[src]')]
        .map((e) => e.getAttribute("href") || e.getAttribute("src"))];
    try {
      const cache = await caches.open(body.dataset.cache);
      await cache.addAll([...new Set(urls)]);
    } catch (error) { /* offline already: what is cached stays */ }
  }

  async function start() {
    if ("serviceWorker" in navigator) {
      navigator.serviceWorker.register(body.dataset.sw, { scope: body.dataset.scope }).catch(() => {});
    }
    if (navigator.onLine) keepOffline();
    showNetwork();
    addEventListener("online", () => { showNetwork(); send(); });
    addEventListener("offline", showNetwork);
    $("download").addEventListener("click", download);
    $("pin-set-form").addEventListener("submit", setPin);
    $("unlock-form").addEventListener("submit", unlock);
    $("listing-form").addEventListener("submit", saveListing);
    $("visit-form").addEventListener("submit", saveVisit);
    $("visit-form").addEventListener("change", (event) => {
      if (event.target.name === "outcome") {
        const outcome = event.target.value;
        $("questions").hidden = !(outcome === "complete" || outcome === "partial");
      } else {
        applyRules();
      }
    });
    for (const back of document.querySelectorAll(".back")) back.addEventListener("click", renderVillages);
    $("send").addEventListener("click", send);
    await refreshWaiting();
    show((await get("meta", "check")) ? "unlock" : "start");
  }

  start();
})();
