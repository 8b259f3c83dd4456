// SPDX-License-Identifier: MIT
// tinytb's viewer: one hand-written classic script for both `tinytb serve` and `tinytb report`.
//
// Serve mode fetches the HTTP API of tinytb/viewer/server.py and routes by location.pathname;
// report mode reads the bundle in <script type="application/json" id="tinytb-data">, routes by
// location.hash (the page is a file) and smooths/reduces scalar series itself, with exactly the
// algorithm of tinytb/viewer/series.py, so both modes draw the same lines.
//
// No framework, no module, no build step: the report inlines this file as it is, and the
// server's CSP (script-src 'self'; style-src 'self') forbids eval and inline styles, so
// styles are set through classes or element.style only. Logged strings (tags, run names,
// errors, hparams) go into the page with textContent only; the one innerHTML is the text
// dashboard's HTML, which the server (markdown.render_text) has already made safe.
//
// Contract with the browser tests and the benchmark (conformance/test_viewer_browser.py):
// <main id="dashboard" data-kind=KIND>, one <section class="card" data-tag=TAG> per tag with
// an <h3 class="card-title"> holding the tag, data-points on scalar cards (points drawn),
// img.sample per image, <audio controls> per clip, table#hparams-table, and
// document.body.dataset.ready = "1" once every card has drawn ("0" while fetching).
(function () {
  "use strict";

  const bundleEl = document.getElementById("tinytb-data");
  const REPORT = bundleEl ? JSON.parse(bundleEl.textContent) : null;
  const KINDS = ["scalars", "images", "histograms", "text", "audio", "hparams"];
  const TITLES = {
    scalars: "Scalars", images: "Images", histograms: "Histograms",
    text: "Text", audio: "Audio", hparams: "HParams",
  };
  const AXES = { step: "Step", relative: "Relative", wall: "Wall" };
  const DEFAULTS = { smoothing: 0.6, x: "step", log: false, runs: "", tags: "" };
  const MAX_FETCHES = 4; // parallel API requests: enough to keep both server cores busy
  const MEDIA_TIMEOUT_MS = 20000; // a card whose image never loads must not hold "ready" forever
  const TEXT_ITEMS = 200; // text items shown per run (newest first): long logs stay responsive
  // TensorBoard-like palette; a run keeps its colour as long as the set of runs does not force
  // a collision (see runColors).
  const PALETTE = [
    "#ff7043", "#1f77b4", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
    "#7f7f7f", "#bcbd22", "#17becf", "#0d47a1", "#00796b", "#f9a825", "#ad1457",
  ];

  let index = null; // the last /api/index answer (report: the bundle's copy)
  let route = "scalars";
  let cards = new Map(); // tag -> card of the current dashboard
  let groups = new Map(); // tag group name -> {section, grid}
  let colors = new Map(); // run -> colour
  let pending = 0; // card loads in flight: body.dataset.ready is "1" when it is 0
  let runFilter = null; // RegExp or null (everything)
  let tagFilter = null;
  let hparamSort = { col: -1, dir: 1 };
  const state = readState();

  // ------------------------------------------------------------------------------ small DOM
  function $(id) {
    return document.getElementById(id);
  }

  // An element with a class and text; text always goes through textContent (never HTML).
  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }

  // A debounced reload that already counts as pending: "ready" drops to "0" at the user's
  // change, not 250 ms later, so a test or benchmark that waits for "1" sees the new data.
  function debounceBusy(fn, ms) {
    let t = 0;
    return function () {
      if (!t) {
        pending++;
        setReady();
      }
      clearTimeout(t);
      t = setTimeout(function () {
        t = 0;
        try {
          fn();
        } finally {
          pending--;
          setReady();
        }
      }, ms);
    };
  }

  // Natural order, as TensorBoard sorts tags and runs: "step2" before "step10".
  function natural(a, b) {
    return a.localeCompare(b, undefined, { numeric: true });
  }

  function setReady() {
    document.body.dataset.ready = pending ? "0" : "1";
  }

  // JSON has no NaN: the server writes non-finite floats as these strings.
  function num(v) {
    if (v === "NaN" || v === "Infinity" || v === "-Infinity") return Number(v);
    return v;
  }

  // ------------------------------------------------------------------------------ state, URL
  // Slider and filter state lives in the URL query (serve) or after "?" in the hash (report),
  // so a copied link opens the same view; localStorage fills in when the link has none.
  function queryString() {
    if (!REPORT) return location.search.slice(1);
    const h = location.hash;
    const at = h.indexOf("?");
    return at < 0 ? "" : h.slice(at + 1);
  }

  function readState() {
    let q = new URLSearchParams(queryString());
    if (!Array.from(q.keys()).length) {
      try {
        q = new URLSearchParams(localStorage.getItem("tinytb.view") || "");
      } catch (e) {
        // storage can be disabled (file:// in some profiles): the defaults do
      }
    }
    const s = Object.assign({}, DEFAULTS);
    const w = parseFloat(q.get("smoothing"));
    if (w >= 0 && w <= 0.999) s.smoothing = w;
    if (AXES[q.get("x")]) s.x = q.get("x");
    s.log = q.get("log") === "1";
    s.runs = q.get("runs") || "";
    s.tags = q.get("tags") || "";
    return s;
  }

  function stateQuery() {
    const q = new URLSearchParams();
    if (state.smoothing !== DEFAULTS.smoothing) q.set("smoothing", String(state.smoothing));
    if (state.x !== DEFAULTS.x) q.set("x", state.x);
    if (state.log) q.set("log", "1");
    if (state.runs) q.set("runs", state.runs);
    if (state.tags) q.set("tags", state.tags);
    const s = q.toString();
    return s ? "?" + s : "";
  }

  function routeHref(kind) {
    return REPORT ? "#" + kind + stateQuery() : "/" + kind + stateQuery();
  }

  function saveState() {
    try {
      localStorage.setItem("tinytb.view", stateQuery().slice(1));
    } catch (e) {
      // not fatal: the URL still carries the state
    }
    history.replaceState(null, "", REPORT ? routeHref(route) : location.pathname + stateQuery());
    renderNav();
  }

  function currentRoute() {
    const r = REPORT
      ? location.hash.slice(1).split("?")[0]
      : location.pathname.replace(/^\/+|\/+$/g, "");
    return KINDS.indexOf(r) >= 0 ? r : "scalars";
  }

  // ------------------------------------------------------------------------------ data access
  // At most MAX_FETCHES loads at once: a page of many cards must not open a request per card.
  const waiting = [];
  let active = 0;

  function limited(fn) {
    return new Promise(function (resolve, reject) {
      waiting.push({ fn: fn, resolve: resolve, reject: reject });
      pump();
    });
  }

  function pump() {
    while (active < MAX_FETCHES && waiting.length) {
      const t = waiting.shift();
      active++;
      Promise.resolve()
        .then(t.fn)
        .then(t.resolve, t.reject)
        .finally(function () {
          active--;
          pump();
        });
    }
  }

  function query(pairs) {
    const q = new URLSearchParams();
    pairs.forEach(function (p) {
      q.append(p[0], String(p[1]));
    });
    return q.toString();
  }

  async function api(path, binary) {
    const res = await fetch(path, { cache: "no-store" });
    if (!res.ok) {
      const body = (await res.text()).slice(0, 200);
      throw new Error("HTTP " + res.status + " for " + path.split("?")[0] + ": " + body);
    }
    return binary ? res.arrayBuffer() : res.json();
  }

  // The JSON of a dashboard for one tag: /api/KIND?tag=T, or the report bundle's copy.
  function getJSON(kind, tag, extra) {
    if (REPORT) {
      const all = REPORT[kind] || {};
      return Promise.resolve(all[tag] || { tag: tag, series: [] });
    }
    return api("/api/" + kind + "?" + query([["tag", tag]].concat(extra || [])));
  }

  function getScalars(tag, runs, axis, w, width) {
    if (REPORT) return Promise.resolve(reportScalars(tag, runs, axis, w, width));
    const p = [["tag", tag], ["x", axis], ["smoothing", w], ["width", width]];
    // No run parameter means every run having the tag: shorter URLs when nothing is filtered.
    if (runFilter) runs.forEach(function (r) { p.push(["run", r]); });
    return api("/api/scalars?" + query(p), true).then(parseScalars);
  }

  const LITTLE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

  // A little-endian float array (Float64Array or Float32Array) of n items at byte `off`: a
  // view in place when the platform is little-endian and `off` aligned, else a copy.
  function floats(Type, buf, off, n) {
    const size = Type.BYTES_PER_ELEMENT;
    if (LITTLE && off % size === 0) return new Type(buf, off, n);
    const dv = new DataView(buf, off, n * size);
    const out = new Type(n);
    for (let i = 0; i < n; i++) {
      out[i] = size === 8 ? dv.getFloat64(i * 8, true) : dv.getFloat32(i * 4, true);
    }
    return out;
  }

  function f64(buf, off, n) { return floats(Float64Array, buf, off, n); }
  function f32(buf, off, n) { return floats(Float32Array, buf, off, n); }

  // /api/scalars body (docs/viewer.md): b"TTBS", uint32 LE header length H, H bytes of JSON,
  // zero padding to a multiple of 8, then per series: steps float64 (absent when the header
  // gives step_start/step_stride), wall_time float64, smoothed float64 (only when "smoothed"
  // is true: the series was reduced), value float32 or float64 (value_bytes), zero padding
  // to a multiple of 8.
  function parseScalars(buf) {
    const head = new Uint8Array(buf, 0, Math.min(8, buf.byteLength));
    if (buf.byteLength < 8 || String.fromCharCode.apply(null, head.subarray(0, 4)) !== "TTBS") {
      throw new Error("/api/scalars: not a TTBS answer");
    }
    const h = new DataView(buf).getUint32(4, true);
    const header = JSON.parse(new TextDecoder().decode(new Uint8Array(buf, 8, h)));
    let off = Math.ceil((8 + h) / 8) * 8;
    header.series.forEach(function (s) {
      const n = s.n;
      s.first_wall = num(s.first_wall);
      if (s.step_stride !== undefined) { // steps going up by a fixed stride are not sent
        s.step = new Float64Array(n);
        for (let i = 0; i < n; i++) s.step[i] = s.step_start + i * s.step_stride;
      } else {
        s.step = f64(buf, off, n);
        off += 8 * n;
      }
      s.wall = f64(buf, off, n);
      off += 8 * n;
      const sent = s.smoothed; // true: reduced by the server, smoothed there over every point
      if (sent) {
        s.smoothed = f64(buf, off, n);
        off += 8 * n;
      }
      if (s.value_bytes === 4) { // exactly float32 (simple_value): half the bytes
        s.value = f32(buf, off, n);
        off += Math.ceil((4 * n) / 8) * 8;
      } else {
        s.value = f64(buf, off, n);
        off += 8 * n;
      }
      // A series sent whole: every point is here, so smoothing it here is the same thing.
      if (!sent) s.smoothed = smooth(s.value, header.smoothing);
    });
    return header;
  }

  function decodeB64(b64) {
    const bin = atob(b64);
    const bytes = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    return f64(bytes.buffer, 0, bytes.length >> 3);
  }

  // ------------------------------------------------------------------------------ series math
  // The same as tinytb/viewer/series.py (the server's side), kept in step by a browser test.

  // TensorBoard's classicSmoothing (webapp/widgets/line_chart_v2/data_transformer.ts): a
  // debiased exponential moving average over every point; non-finite values pass through and
  // do not move the average; a constant series is returned unchanged ("isConstant", TB #786).
  function smooth(values, w) {
    if (!Number.isFinite(w)) w = 0;
    w = Math.max(0, Math.min(w, 1));
    const n = values.length;
    const out = new Float64Array(n);
    let constant = true;
    for (let i = 0; i < n; i++) {
      if (values[i] !== values[0]) { // NaN !== NaN: a series holding NaN is not constant, as in TB
        constant = false;
        break;
      }
    }
    let last = 0;
    let count = 0;
    for (let i = 0; i < n; i++) {
      const y = values[i];
      if (constant || !Number.isFinite(y)) {
        out[i] = y;
        continue;
      }
      last = last * w + (1 - w) * y;
      count++;
      const debias = w === 1 ? 1 : 1 - Math.pow(w, count);
      out[i] = last / debias;
    }
    return out;
  }

  // x of each point: the step, seconds since the first point, or the wall time.
  function xValues(steps, walls, axis, firstWall) {
    if (axis === "step") return steps;
    const n = steps.length;
    const out = new Float64Array(n);
    const base = axis === "relative" ? firstWall : 0;
    for (let i = 0; i < n; i++) out[i] = walls[i] - base;
    return out;
  }

  // Indices kept when a series has more points than the chart has pixels: per pixel column the
  // first, last, lowest and highest value (so spikes survive), and every non-finite value.
  function reduce(xs, values, width, lo, hi) {
    const n = xs.length;
    const all = [];
    if (n <= 2 * width) {
      for (let i = 0; i < n; i++) all.push(i);
      return all;
    }
    const span = hi - lo;
    const ok = span > 0 && Number.isFinite(span); // else every point is in column 0
    const keep = new Uint8Array(n);
    const first = new Int32Array(width).fill(-1);
    const last = new Int32Array(width).fill(-1);
    const amin = new Int32Array(width).fill(-1);
    const amax = new Int32Array(width).fill(-1);
    for (let i = 0; i < n; i++) {
      const x = xs[i];
      const v = values[i];
      if (!Number.isFinite(x)) {
        keep[i] = 1;
        continue;
      }
      // (x - lo) / (hi - lo) * width in that order, truncated as Python's int(): same floats
      let c = ok ? Math.trunc((x - lo) / span * width) : 0;
      c = c < 0 ? 0 : c >= width ? width - 1 : c;
      if (first[c] < 0) first[c] = i;
      last[c] = i;
      if (!Number.isFinite(v)) {
        keep[i] = 1;
        continue;
      }
      if (amin[c] < 0 || v < values[amin[c]]) amin[c] = i; // first index of the minimum
      if (amax[c] < 0 || v > values[amax[c]]) amax[c] = i;
    }
    [first, last, amin, amax].forEach(function (a) {
      for (let c = 0; c < width; c++) if (a[c] >= 0) keep[a[c]] = 1;
    });
    for (let i = 0; i < n; i++) if (keep[i]) all.push(i);
    return all;
  }

  // A report series' columns as Float64Arrays, decoded once and kept on the series.
  function decoded(s) {
    if (!s.decoded) {
      s.decoded = {
        step: decodeB64(s.step), wall: decodeB64(s.wall_time), value: decodeB64(s.value),
      };
    }
    return s.decoded;
  }

  // Report mode's /api/scalars: decode once, smooth the full series, reduce with the x range
  // of every series of the chart, keep the same indices of all four columns.
  function reportScalars(tag, runs, axis, w, width) {
    const entry = (REPORT.scalars || {})[tag] || { series: [] };
    const want = new Set(runs);
    // Runs without points are left out, as the server leaves them out.
    const chosen = entry.series.filter(function (s) {
      return want.has(s.run) && s.value.length;
    });
    let lo = Infinity;
    let hi = -Infinity;
    const prepared = chosen.map(function (s) {
      const d = decoded(s);
      if (!s.smoothedCache || s.smoothedCache.w !== w) {
        s.smoothedCache = { w: w, values: smooth(d.value, w) };
      }
      const first = d.wall.length ? d.wall[0] : NaN;
      const xs = xValues(d.step, d.wall, axis, first);
      for (let i = 0; i < xs.length; i++) {
        if (xs[i] < lo) lo = xs[i];
        if (xs[i] > hi) hi = xs[i];
      }
      return { s: s, d: d, xs: xs, sm: s.smoothedCache.values, first: first };
    });
    const series = prepared.map(function (p) {
      const idx = reduce(p.xs, p.d.value, width, lo, hi);
      const pick = function (a) { return Float64Array.from(idx, function (i) { return a[i]; }); };
      return {
        run: p.s.run, n: idx.length, total: p.d.value.length, first_wall: p.first,
        step: pick(p.d.step), wall: pick(p.d.wall), value: pick(p.d.value), smoothed: pick(p.sm),
      };
    });
    return { tag: tag, x: axis, smoothing: w, width: width, series: series };
  }

  // ------------------------------------------------------------------------------ formatting
  const SI = [[1e12, "T"], [1e9, "G"], [1e6, "M"], [1e3, "k"]];

  function fixed(v, step) {
    const d = Math.max(0, Math.min(8, Math.ceil(-Math.log10(step) - 1e-9)));
    return String(Number(v.toFixed(d)));
  }

  // Tick label of `v` on an axis whose ticks are `step` apart: 1.5k, 20M, 0.25, 3e-6.
  function fmtTick(v, step) {
    const a = Math.abs(v);
    if (a < step * 1e-6) return "0";
    if (a < 1e-4 || a >= 1e15) return v.toExponential(1).replace(".0e", "e");
    for (let i = 0; i < SI.length; i++) {
      if (a >= SI[i][0]) return fixed(v / SI[i][0], step / SI[i][0]) + SI[i][1];
    }
    return fixed(v, step);
  }

  // A value in a readout: enough digits to tell neighbours apart.
  function fmtVal(v) {
    if (!Number.isFinite(v)) return String(v);
    const a = Math.abs(v);
    if (a !== 0 && (a < 1e-4 || a >= 1e7)) return v.toExponential(4);
    return String(Number(v.toPrecision(6)));
  }

  // Durations as a person reads them: 450ms, 12.5s, 3m 20s, 2h 5m, 4d 6h.
  function fmtDur(s) {
    if (!Number.isFinite(s)) return String(s);
    const sign = s < 0 ? "-" : "";
    const a = Math.abs(s);
    if (a === 0) return "0";
    if (a < 1) return sign + Number((a * 1000).toPrecision(3)) + "ms";
    if (a < 60) return sign + Number(a.toPrecision(3)) + "s";
    const units = [["d", 86400], ["h", 3600], ["m", 60], ["s", 1]];
    let i = 0;
    while (a < units[i][1]) i++;
    const k = Math.floor(a / units[i][1]);
    const r = Math.floor((a - k * units[i][1]) / units[i + 1][1]);
    return sign + k + units[i][0] + (r ? " " + r + units[i + 1][0] : "");
  }

  function pad2(n) {
    return (n < 10 ? "0" : "") + n;
  }

  const MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split(" ");

  function fmtWall(t, step, span) {
    const ms = Math.round(t * 1000); // whole milliseconds, so the seconds and fraction agree
    const d = new Date(ms);
    const hm = pad2(d.getHours()) + ":" + pad2(d.getMinutes());
    const day = MONTHS[d.getMonth()] + " " + d.getDate();
    if (step === undefined) { // readout: full local date and time
      return d.getFullYear() + "-" + pad2(d.getMonth() + 1) + "-" + pad2(d.getDate()) + " " +
        hm + ":" + pad2(d.getSeconds());
    }
    if (step >= 86400) return day;
    if (step < 1) { // ticks under a second apart: the fraction of the second too
      const digits = Math.min(3, Math.ceil(-Math.log10(step) - 1e-9));
      const frac = String(1000 + d.getMilliseconds()).slice(1, 1 + digits);
      return hm + ":" + pad2(d.getSeconds()) + "." + frac;
    }
    if (step < 60) return hm + ":" + pad2(d.getSeconds());
    return span > 86400 ? day + " " + hm : hm;
  }

  // ------------------------------------------------------------------------------ ticks
  function niceStep(span, count) {
    const raw = span / Math.max(1, count);
    const p = Math.pow(10, Math.floor(Math.log10(raw)));
    const f = raw / p;
    return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * p;
  }

  function linearTicks(lo, hi, count) {
    const step = niceStep(hi - lo, count);
    const ticks = [];
    const k0 = Math.ceil(lo / step - 1e-9);
    for (let k = k0; k * step <= hi + step * 1e-9 && ticks.length < 100; k++) ticks.push(k * step);
    return { ticks: ticks, step: step };
  }

  // Seconds between time ticks: whole seconds, minutes, hours, days.
  const TIME_STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800,
    21600, 43200, 86400, 172800, 604800, 2592000, 31536000];

  function timeTicks(lo, hi, count, wall) {
    const span = hi - lo;
    let step = TIME_STEPS[TIME_STEPS.length - 1];
    if (span / count < 1) {
      step = niceStep(span, count); // under a second apart: decimal steps
    } else {
      for (let i = 0; i < TIME_STEPS.length; i++) {
        if (span / TIME_STEPS[i] <= count) {
          step = TIME_STEPS[i];
          break;
        }
      }
    }
    // Hour-and-longer ticks fall on local clock hours/midnights, not on UTC ones.
    const off = wall && step >= 3600 ? -new Date(lo * 1000).getTimezoneOffset() * 60 : 0;
    const ticks = [];
    for (let k = Math.ceil((lo + off) / step); k * step - off <= hi && ticks.length < 100; k++) {
      ticks.push(k * step - off);
    }
    const label = wall
      ? function (v) { return fmtWall(v, step, span); }
      : function (v) { return fmtDur(v); };
    return { ticks: ticks, label: label };
  }

  // Log axis ticks (lo, hi in log10 units): decades, with 2 and 5 when few decades show.
  function logTicks(lo, hi, count) {
    const ticks = [];
    const d0 = Math.floor(lo);
    const d1 = Math.ceil(hi);
    const every = Math.max(1, Math.ceil((d1 - d0) / count));
    // 1, 2 and 5 of each decade while they fit the tick count, else decades only
    const mults = (hi - lo) * 3 <= count + 1 ? [1, 2, 5] : [1];
    for (let d = d0; d <= d1; d += every) {
      mults.forEach(function (m) {
        const v = Math.log10(m) + d;
        if (v >= lo - 1e-9 && v <= hi + 1e-9) ticks.push(v);
      });
    }
    if (ticks.length < 2) { // less than a decade: linear ticks of the value, placed in log space
      const t = linearTicks(Math.pow(10, lo), Math.pow(10, hi), count);
      return t.ticks.filter(function (v) { return v > 0; }).map(function (v) {
        return { at: Math.log10(v), text: fmtTick(v, t.step) };
      });
    }
    return ticks.map(function (v) {
      const x = Math.pow(10, v);
      return { at: v, text: fmtTick(x, x / 10) };
    });
  }

  // ------------------------------------------------------------------------------ canvas
  // Size the backing store to CSS size x devicePixelRatio so lines stay sharp on HiDPI.
  function prepareCanvas(cv) {
    const dpr = window.devicePixelRatio || 1;
    const r = cv.getBoundingClientRect();
    const w = Math.max(1, Math.round(r.width));
    const h = Math.max(1, Math.round(r.height));
    if (cv.width !== Math.round(w * dpr) || cv.height !== Math.round(h * dpr)) {
      cv.width = Math.round(w * dpr);
      cv.height = Math.round(h * dpr);
    }
    const ctx = cv.getContext("2d");
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, w, h);
    ctx.font = "11px system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif";
    return { ctx: ctx, w: w, h: h };
  }

  function hexToRgba(hex, alpha) {
    const n = parseInt(hex.slice(1), 16);
    return "rgba(" + (n >> 16) + "," + ((n >> 8) & 255) + "," + (n & 255) + "," + alpha + ")";
  }

  // Colours by a hash of the run name, so a run keeps its colour across reloads and pages;
  // runs whose hashes collide take the next free slot (in name order) while slots remain.
  function runColors(runs) {
    const used = new Set();
    const out = new Map();
    runs.slice().sort(natural).forEach(function (r) {
      let h = 2166136261; // FNV-1a
      for (let i = 0; i < r.length; i++) h = Math.imul(h ^ r.charCodeAt(i), 16777619) >>> 0;
      let slot = h % PALETTE.length;
      if (used.size < PALETTE.length) while (used.has(slot)) slot = (slot + 1) % PALETTE.length;
      used.add(slot);
      out.set(r, PALETTE[slot]);
    });
    return out;
  }

  function colorOf(run) {
    return colors.get(run) || "#888888";
  }

  function strokePath(ctx, xs, ys, n, tx, ty) {
    ctx.beginPath();
    let pen = false;
    let lone = -1;
    for (let i = 0; i < n; i++) {
      const py = ty(ys[i]);
      if (!Number.isFinite(py)) {
        pen = false;
        continue;
      }
      const px = tx(xs[i]);
      if (pen) ctx.lineTo(px, py);
      else ctx.moveTo(px, py);
      if (!pen) lone = i;
      pen = true;
    }
    ctx.stroke();
    if (n === 1 && lone === 0) { // a single point draws no line: show a dot
      ctx.beginPath();
      ctx.arc(tx(xs[0]), ty(ys[0]), 2.5, 0, 2 * Math.PI);
      ctx.fill();
    }
  }

  // ------------------------------------------------------------------------------ scalars
  const PLOT = { top: 10, right: 14, bottom: 24 };
  const HAIRLINE_POINTS = 20000; // above this many points a card draws 1-pixel lines

  function chartWidth(c) {
    const w = Math.round(c.canvas.getBoundingClientRect().width) || 500;
    return Math.max(1, Math.min(10000, w));
  }

  // The y domain over raw and smoothed values (positive ones on a log axis), padded 5%.
  function yDomain(series, log) {
    let lo = Infinity;
    let hi = -Infinity;
    series.forEach(function (s) {
      [s.value, s.smoothed].forEach(function (a) {
        for (let i = 0; i < a.length; i++) {
          let v = a[i];
          if (log) v = v > 0 ? Math.log10(v) : NaN;
          if (v < lo) lo = v;
          if (v > hi) hi = v;
        }
      });
    });
    if (!(lo <= hi)) return null;
    if (lo === hi) {
      const d = log ? 0.5 : Math.abs(lo) * 0.1 || 1;
      return [lo - d, hi + d];
    }
    const pad = (hi - lo) * 0.05;
    return [lo - pad, hi + pad];
  }

  function drawScalars(c) {
    const data = c.data;
    const view = prepareCanvas(c.canvas);
    const ctx = view.ctx;
    c.view = null;
    clearOverlay(c);
    // data-points: the points sent for drawing (the contract with the tests and benchmark),
    // set even when nothing can be drawn, so a card never stays without it.
    let points = 0;
    if (data) data.series.forEach(function (s) { points += s.n; });
    c.el.dataset.points = String(points);
    if (!data || !data.series.length) {
      return chartMessage(ctx, view, runFilter ? "No run matches the run filter" : "No data");
    }
    const log = state.log;
    const axis = data.x;
    let xlo = Infinity;
    let xhi = -Infinity;
    data.series.forEach(function (s) {
      s.xs = xValues(s.step, s.wall, axis, s.first_wall);
      for (let i = 0; i < s.xs.length; i++) {
        if (s.xs[i] < xlo) xlo = s.xs[i];
        if (s.xs[i] > xhi) xhi = s.xs[i];
      }
    });
    const ydom = yDomain(data.series, log);
    if (!ydom || !(xlo <= xhi)) {
      const why = log ? "No positive values for a log scale" : "No finite values";
      return chartMessage(ctx, view, why);
    }
    if (xlo === xhi) {
      xlo -= 1;
      xhi += 1;
    }
    // y ticks first: their widest label sets the left margin.
    const ycount = Math.max(2, Math.floor((view.h - PLOT.top - PLOT.bottom) / 40));
    let yt;
    if (log) {
      yt = logTicks(ydom[0], ydom[1], ycount);
    } else {
      const t = linearTicks(ydom[0], ydom[1], ycount);
      yt = t.ticks.map(function (v) { return { at: v, text: fmtTick(v, t.step) }; });
    }
    let left = 0;
    yt.forEach(function (t) { left = Math.max(left, ctx.measureText(t.text).width); });
    const m = { left: Math.ceil(left) + 12, top: PLOT.top, right: PLOT.right, bottom: PLOT.bottom };
    const pw = view.w - m.left - m.right;
    const ph = view.h - m.top - m.bottom;
    const tx = function (x) { return m.left + (x - xlo) / (xhi - xlo) * pw; };
    const tyLin = function (v) { return m.top + ph - (v - ydom[0]) / (ydom[1] - ydom[0]) * ph; };
    const ty = log ? function (v) { return v > 0 ? tyLin(Math.log10(v)) : NaN; } : tyLin;
    drawAxes(ctx, view, m, yt, tyLin, xTicks(axis, xlo, xhi, pw), tx);
    ctx.save();
    ctx.beginPath();
    ctx.rect(m.left, m.top, pw, ph);
    ctx.clip();
    ctx.lineJoin = "round";
    data.series.forEach(function (s) { // raw lines first, faint, behind every smoothed line
      ctx.strokeStyle = ctx.fillStyle = hexToRgba(colorOf(s.run), 0.28);
      ctx.lineWidth = 1;
      strokePath(ctx, s.xs, s.value, s.n, tx, ty);
    });
    // A 1-pixel line is Skia's "hairline": drawn in software (headless, or no GPU) some 5x
    // faster than any wider one. A card of many points (100 runs x 1,000 steps) takes it;
    // a light card gets TensorBoard's bolder smoothed line.
    const smoothedWidth = points > HAIRLINE_POINTS ? 1 : 1.75;
    data.series.forEach(function (s) {
      ctx.strokeStyle = ctx.fillStyle = colorOf(s.run);
      ctx.lineWidth = smoothedWidth;
      strokePath(ctx, s.xs, s.smoothed, s.n, tx, ty);
    });
    ctx.restore();
    const total = data.series.reduce(function (a, s) { return a + s.total; }, 0);
    c.info.textContent = data.series.length + (data.series.length === 1 ? " run, " : " runs, ") +
      total + (total === 1 ? " point" : " points") +
      (points < total ? " (" + points + " drawn)" : "");
    c.view = { m: m, pw: pw, ph: ph, tx: tx, ty: ty, xlo: xlo, xhi: xhi, axis: axis };
    if (c.hover) showHover(c, c.hover.x, c.hover.y);
  }

  function xTicks(axis, lo, hi, pw) {
    const count = Math.max(2, Math.floor(pw / 70));
    if (axis === "step") {
      const t = linearTicks(lo, hi, count);
      return t.ticks.map(function (v) { return { at: v, text: fmtTick(v, t.step) }; });
    }
    const t = timeTicks(lo, hi, Math.max(2, Math.floor(pw / 110)), axis === "wall");
    return t.ticks.map(function (v) { return { at: v, text: t.label(v) }; });
  }

  function drawAxes(ctx, view, m, yt, ty, xt, tx) {
    const right = view.w - m.right;
    const bottom = view.h - m.bottom;
    ctx.lineWidth = 1;
    ctx.strokeStyle = "#e8e8e8";
    ctx.fillStyle = "#616161";
    ctx.textBaseline = "middle";
    ctx.textAlign = "right";
    yt.forEach(function (t) {
      const y = Math.round(ty(t.at)) + 0.5;
      if (y < m.top - 1 || y > bottom + 1) return;
      ctx.beginPath();
      ctx.moveTo(m.left, y);
      ctx.lineTo(right, y);
      ctx.stroke();
      ctx.fillText(t.text, m.left - 6, y);
    });
    ctx.textBaseline = "top";
    ctx.textAlign = "center";
    let lastEnd = -Infinity;
    xt.forEach(function (t) {
      const x = Math.round(tx(t.at)) + 0.5;
      if (x < m.left - 1 || x > right + 1) return;
      ctx.beginPath();
      ctx.moveTo(x, m.top);
      ctx.lineTo(x, bottom);
      ctx.stroke();
      const w = ctx.measureText(t.text).width;
      if (x - w / 2 > lastEnd + 6) { // labels that would overlap are skipped
        ctx.fillText(t.text, Math.min(Math.max(x, m.left + w / 2), view.w - w / 2 - 2), bottom + 6);
        lastEnd = x + w / 2;
      }
    });
    ctx.strokeStyle = "#9e9e9e";
    ctx.beginPath();
    ctx.moveTo(m.left + 0.5, yt.length ? m.top : bottom + 0.5);
    ctx.lineTo(m.left + 0.5, bottom + 0.5);
    ctx.lineTo(right, bottom + 0.5);
    ctx.stroke();
  }

  function chartMessage(ctx, view, text) {
    ctx.fillStyle = "#9e9e9e";
    ctx.textAlign = "center";
    ctx.textBaseline = "middle";
    ctx.font = "13px system-ui, sans-serif";
    ctx.fillText(text, view.w / 2, view.h / 2);
  }

  // Index of the x nearest to `x` in the increasing array xs.
  function nearest(xs, n, x) {
    let lo = 0;
    let hi = n - 1;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (xs[mid] < x) lo = mid;
      else hi = mid;
    }
    return Math.abs(xs[hi] - x) < Math.abs(xs[lo] - x) ? hi : lo;
  }

  function clearOverlay(c) {
    const o = prepareCanvas(c.overlay);
    c.tip.hidden = true;
    return o;
  }

  // Hover: a crosshair at the pointer, a dot on each run's nearest point, and a table of
  // run, smoothed value, raw value, step and time for the runs nearest the pointer.
  function showHover(c, mx, my) {
    const v = c.view;
    const o = clearOverlay(c);
    if (!v || mx < v.m.left || mx > v.m.left + v.pw || my < v.m.top || my > v.m.top + v.ph) return;
    const x = v.xlo + (mx - v.m.left) / v.pw * (v.xhi - v.xlo);
    const rows = [];
    c.data.series.forEach(function (s) {
      if (!s.n) return;
      const i = nearest(s.xs, s.n, x);
      const py = v.ty(s.smoothed[i]);
      const d = Number.isFinite(py) ? Math.abs(py - my) : 1e9; // distance to the pointer
      rows.push({ s: s, i: i, px: v.tx(s.xs[i]), py: py, d: d });
    });
    const ctx = o.ctx;
    ctx.strokeStyle = "#9e9e9e";
    ctx.setLineDash([3, 3]);
    ctx.beginPath();
    ctx.moveTo(Math.round(mx) + 0.5, v.m.top);
    ctx.lineTo(Math.round(mx) + 0.5, v.m.top + v.ph);
    ctx.stroke();
    ctx.setLineDash([]);
    rows.forEach(function (r) {
      if (!Number.isFinite(r.py)) return;
      ctx.fillStyle = colorOf(r.s.run);
      ctx.strokeStyle = "#ffffff";
      ctx.beginPath();
      ctx.arc(r.px, r.py, 3.5, 0, 2 * Math.PI);
      ctx.fill();
      ctx.stroke();
    });
    rows.sort(function (a, b) { return a.d - b.d; });
    fillTooltip(c, rows, v.axis);
    placeTip(c.tip, mx, my, o.w);
  }

  const TIP_ROWS = 8; // runs listed in a readout: the nearest to the pointer

  function fillTooltip(c, rows, axis) {
    const table = el("table");
    const head = table.createTHead().insertRow();
    const time = axis === "wall" ? "Time" : "Relative";
    ["", "Run", "Smoothed", "Value", "Step", time].forEach(function (h) {
      head.appendChild(el("th", "", h));
    });
    const body = table.createTBody();
    rows.slice(0, TIP_ROWS).forEach(function (r) {
      const tr = body.insertRow();
      const sw = el("span", "swatch");
      sw.style.backgroundColor = colorOf(r.s.run);
      tr.insertCell().appendChild(sw);
      tr.insertCell().textContent = r.s.run;
      tr.insertCell().textContent = fmtVal(r.s.smoothed[r.i]);
      tr.insertCell().textContent = fmtVal(r.s.value[r.i]);
      tr.insertCell().textContent = String(r.s.step[r.i]);
      tr.insertCell().textContent = axis === "wall" ? fmtWall(r.s.wall[r.i])
        : fmtDur(r.s.wall[r.i] - r.s.first_wall);
    });
    c.tip.textContent = "";
    c.tip.appendChild(table);
    if (rows.length > TIP_ROWS) {
      c.tip.appendChild(el("div", "tip-more", "+" + (rows.length - TIP_ROWS) + " more runs"));
    }
    c.tip.hidden = false;
  }

  // Keep the readout inside the chart: right of the pointer, or left when near the edge.
  function placeTip(tip, mx, my, width) {
    const w = tip.offsetWidth;
    tip.style.left = (mx + 16 + w > width ? Math.max(0, mx - 16 - w) : mx + 16) + "px";
    tip.style.top = Math.max(0, my - 10) + "px";
  }

  function makeScalarCard(tag) {
    const c = baseCard(tag);
    const wrap = el("div", "chart");
    c.canvas = el("canvas", "plot");
    c.overlay = el("canvas", "overlay");
    c.tip = el("div", "tooltip");
    c.tip.hidden = true;
    wrap.append(c.canvas, c.overlay, c.tip);
    const foot = el("div", "card-foot");
    c.info = el("span", "card-info");
    c.csv = el("a", "csv", "CSV");
    c.csv.title = "Download the full-resolution series of the runs shown";
    c.csv.download = tag.replace(/[^A-Za-z0-9._-]/g, "_") + ".csv";
    if (REPORT) c.csv.href = "#";
    c.csv.addEventListener("click", function (e) {
      if (REPORT) {
        e.preventDefault();
        downloadCsv(c);
      }
    });
    foot.append(c.info, c.csv);
    c.body.append(wrap, foot);
    c.overlay.addEventListener("mousemove", function (e) {
      const r = c.overlay.getBoundingClientRect();
      c.hover = { x: e.clientX - r.left, y: e.clientY - r.top };
      showHover(c, c.hover.x, c.hover.y);
    });
    c.overlay.addEventListener("mouseleave", function () {
      c.hover = null;
      clearOverlay(c);
    });
    c.load = async function (seq) {
      const runs = runsOf("scalars", tag);
      const width = chartWidth(c);
      if (!REPORT) {
        const p = [["tag", tag]];
        if (runFilter) runs.forEach(function (r) { p.push(["run", r]); });
        c.csv.href = "/api/scalars.csv?" + query(p);
      }
      const data = runs.length
        ? await getScalars(tag, runs, state.x, state.smoothing, width)
        : { x: state.x, series: [] };
      if (seq !== c.seq) return;
      data.x = data.x || state.x;
      c.data = data;
      c.width = width;
      drawScalars(c);
    };
    c.redraw = function () { if (c.data) drawScalars(c); };
    return c;
  }

  // Python's repr() of a float, as the server's CSV writes it (shortest round-trip digits;
  // exponent form below 1e-4 and from 1e16): 1.0, 0.0001, 1e-05, 1.5e+16, nan, inf.
  function pyRepr(x) {
    if (Number.isNaN(x)) return "nan";
    if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
    if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
    const m = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(x.toExponential());
    const sign = m[1];
    const digits = m[2] + (m[3] || "");
    const exp = Number(m[4]);
    if (exp < -4 || exp >= 16) {
      const mant = digits.length > 1 ? digits[0] + "." + digits.slice(1) : digits;
      return sign + mant + "e" + (exp < 0 ? "-" : "+") + pad2(Math.abs(exp));
    }
    if (exp < 0) return sign + "0." + "0".repeat(-exp - 1) + digits;
    const whole = digits.slice(0, exp + 1).padEnd(exp + 1, "0");
    return sign + whole + "." + (digits.slice(exp + 1) || "0");
  }

  // A CSV field as Python's csv module writes it: quoted when it holds , " or a line break.
  function csvField(s) {
    return /[",\r\n]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
  }

  // Report mode's /api/scalars.csv: the same rows and bytes, from the bundle's full series.
  function buildCsv(tag, runs) {
    const entry = (REPORT.scalars || {})[tag] || { series: [] };
    const want = new Set(runs);
    const lines = ["run,step,wall_time,value"];
    entry.series.forEach(function (s) {
      if (!want.has(s.run)) return;
      const d = decoded(s);
      const run = csvField(s.run);
      for (let i = 0; i < d.step.length; i++) {
        lines.push(run + "," + d.step[i] + "," + pyRepr(d.wall[i]) + "," + pyRepr(d.value[i]));
      }
    });
    return lines.join("\r\n") + "\r\n";
  }

  // Saved through a blob URL: a report has no server to answer /api/scalars.csv.
  function downloadCsv(c) {
    const text = buildCsv(c.tag, runsOf("scalars", c.tag));
    const url = URL.createObjectURL(new Blob([text], { type: "text/csv" }));
    const a = el("a");
    a.href = url;
    a.download = c.csv.download;
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(function () { URL.revokeObjectURL(url); }, 10000);
  }

  // ------------------------------------------------------------------------------ cards
  function baseCard(tag) {
    const c = { tag: tag, seq: 0 };
    c.el = el("section", "card");
    c.el.dataset.tag = tag;
    c.el.appendChild(el("h3", "card-title", tag));
    c.error = el("div", "card-error");
    c.error.hidden = true;
    c.body = el("div", "card-body");
    c.el.append(c.error, c.body);
    return c;
  }

  // One run's block inside a card: a coloured name, then its content.
  function runBlock(run) {
    const b = el("div", "run-block");
    const h = el("div", "run-name");
    const sw = el("span", "swatch");
    sw.style.backgroundColor = colorOf(run);
    h.append(sw, el("span", "", run));
    b.appendChild(h);
    return b;
  }

  function makeCard(kind, tag) {
    if (kind === "scalars") return makeScalarCard(tag);
    const c = baseCard(tag);
    c.el.classList.add("card-" + kind);
    if (kind === "histograms") c.load = function (seq) { return loadHistograms(c, seq); };
    if (kind === "text") c.load = function (seq) { return loadText(c, seq); };
    if (kind === "images" || kind === "audio") {
      c.load = function (seq) { return loadMedia(c, seq, kind); };
    }
    return c;
  }

  // Load (or reload) one card's data through the fetch limiter; a newer load of the same card
  // supersedes an older one (its result is dropped), and "ready" waits for every load.
  function loadCard(c) {
    const seq = ++c.seq;
    pending++;
    setReady();
    limited(function () { return c.seq === seq ? c.load(seq) : null; })
      .then(function () {
        if (c.seq === seq) c.error.hidden = true;
      })
      .catch(function (err) {
        if (c.seq !== seq) return;
        c.error.textContent = String(err && err.message ? err.message : err);
        c.error.hidden = false;
        if (c.el.dataset.points === undefined && c.canvas) c.el.dataset.points = "0";
      })
      .finally(function () {
        pending--;
        setReady();
      });
  }

  function tagMatch(tag) {
    return !tagFilter || tagFilter.test(tag);
  }

  function runMatch(run) {
    return !runFilter || runFilter.test(run);
  }

  function tagsOf(kind) {
    return Object.keys((index && index.tags && index.tags[kind]) || {}).sort(natural);
  }

  function runsOf(kind, tag) {
    const runs = ((index.tags[kind] || {})[tag] || []).slice().sort(natural);
    return runs.filter(runMatch);
  }

  // TensorBoard groups cards by the tag's first path component ("loss/train" -> "loss").
  function groupOf(tag) {
    const at = tag.indexOf("/");
    return at > 0 ? tag.slice(0, at) : "";
  }

  // Bring the cards in line with the index and the tag filter: new tags get cards (loaded),
  // gone ones are removed, order follows the tags; `reloadAll` refetches every card.
  function syncCards(reloadAll) {
    const main = $("dashboard");
    const kind = route;
    const all = tagsOf(kind);
    const tags = all.filter(tagMatch);
    const fresh = [];
    cards.forEach(function (c, tag) {
      if (tags.indexOf(tag) < 0) {
        c.el.remove();
        cards.delete(tag);
      }
    });
    let msg = main.querySelector(".empty");
    if (!tags.length) {
      if (!msg) msg = main.appendChild(el("p", "empty"));
      const what = TITLES[kind].toLowerCase();
      msg.textContent = all.length ? "No " + what + " tag matches the tag filter."
        : REPORT ? "No " + what + " in this report."
          : "No " + what + " in this log directory yet: they appear here as soon as written.";
    } else if (msg) {
      msg.remove();
    }
    const used = new Set();
    tags.forEach(function (tag) {
      const name = groupOf(tag);
      let g = groups.get(name);
      if (!g) {
        g = { section: el("section", "group"), grid: el("div", "grid") };
        const title = el("h2", "group-title", name);
        if (!name) title.hidden = true;
        g.section.append(title, g.grid);
        groups.set(name, g);
      }
      if (!used.has(name)) main.appendChild(g.section); // groups in tag order
      used.add(name);
      let c = cards.get(tag);
      if (!c) {
        c = makeCard(kind, tag);
        cards.set(tag, c);
        fresh.push(c);
      }
      g.grid.appendChild(c.el);
    });
    groups.forEach(function (g, name) {
      if (!used.has(name)) {
        g.section.remove();
        groups.delete(name);
      }
    });
    (reloadAll ? Array.from(cards.values()) : fresh).forEach(loadCard);
    setReady();
  }

  function renderDashboard() {
    const main = $("dashboard");
    main.dataset.kind = route;
    main.textContent = "";
    cards = new Map();
    groups = new Map();
    document.title = TITLES[route] + " - " + pageName() + " - tinytb";
    document.body.dataset.route = route;
    if (route === "hparams") return loadHparamsPage();
    syncCards(true);
  }

  function noRuns(body) {
    body.appendChild(el("p", "muted", "No run matches the run filter."));
  }

  // ------------------------------------------------------------------------------ media
  function blobUrl(kind, run, tag, item, sample) {
    return "/api/blob?" + query([["kind", kind], ["run", run], ["tag", tag],
      ["index", item.index], ["sample", sample]]);
  }

  function whenLoaded(img) {
    return new Promise(function (resolve) {
      const done = function () { resolve(); };
      img.addEventListener("load", done, { once: true });
      img.addEventListener("error", done, { once: true });
      setTimeout(done, MEDIA_TIMEOUT_MS);
    });
  }

  // Images and audio: per run, the latest event's samples and a step slider over the events.
  // The slider position survives live refreshes (pinned to the newest if it was there).
  async function loadMedia(c, seq, kind) {
    const data = await getJSON(kind, c.tag);
    if (seq !== c.seq) return;
    const pos = c.pos || (c.pos = {});
    c.body.textContent = "";
    const waits = [];
    data.series.forEach(function (s) {
      if (!runMatch(s.run) || !s.items.length) return;
      const items = s.items;
      const block = runBlock(s.run);
      const label = el("div", "step-label");
      const slider = el("input", "step-slider");
      slider.type = "range";
      slider.min = "0";
      slider.max = String(items.length - 1);
      slider.hidden = items.length < 2;
      slider.setAttribute("aria-label", "step");
      const box = el("div", kind === "images" ? "samples" : "clips");
      const prev = pos[s.run];
      let i = prev && !prev.atEnd ? Math.min(prev.i, items.length - 1) : items.length - 1;
      slider.value = String(i);
      const show = function (k) {
        pos[s.run] = { i: k, atEnd: k === items.length - 1 };
        const it = items[k];
        label.textContent = "step " + it.step + "  \u00b7  " + fmtWall(num(it.wall_time)) +
          (items.length > 1 ? "  \u00b7  " + (k + 1) + " of " + items.length : "");
        box.textContent = "";
        const loads = [];
        for (let j = 0; j < Math.max(1, it.samples || 1); j++) {
          const src = REPORT ? (it.src || [])[j] : blobUrl(kind, s.run, c.tag, it, j);
          if (!src) {
            box.appendChild(el("div", "over-cap", "not in the report (over its media size cap)"));
            continue;
          }
          if (kind === "images") loads.push(addImage(box, src, it, c.tag, s.run, j));
          else addClip(box, src, it);
        }
        return loads;
      };
      slider.addEventListener("input", function () { show(Number(slider.value)); });
      waits.push.apply(waits, show(i));
      block.append(label, slider, box);
      c.body.appendChild(block);
    });
    if (!c.body.childNodes.length) noRuns(c.body);
    await Promise.all(waits);
  }

  function addImage(box, src, it, tag, run, j) {
    const img = el("img", "sample");
    const which = it.samples > 1 ? ", sample " + (j + 1) : "";
    img.alt = tag + " (" + run + ", step " + it.step + which + ")";
    img.title = img.alt;
    const loaded = whenLoaded(img);
    // Tiny images (MNIST digits, 8x8 grids) are scaled up with crisp pixels, as TensorBoard does.
    img.addEventListener("load", function () {
      const w = img.naturalWidth;
      if (w > 0 && w < 96) {
        const k = Math.ceil(96 / w);
        img.style.width = w * k + "px";
        img.classList.add("pixelated");
      }
    }, { once: true });
    img.src = src;
    box.appendChild(img);
    return loaded;
  }

  function addClip(box, src, it) {
    const fig = el("div", "clip");
    const a = document.createElement("audio");
    a.controls = true;
    a.preload = "metadata";
    a.src = src;
    const info = [];
    if (it.sample_rate) info.push(it.sample_rate + " Hz");
    if (it.sample_rate && it.length_frames) info.push(fmtDur(it.length_frames / it.sample_rate));
    fig.appendChild(a);
    if (info.length) fig.appendChild(el("span", "muted", info.join(", ")));
    box.appendChild(fig);
  }

  // ------------------------------------------------------------------------------ text
  async function loadText(c, seq) {
    const data = await getJSON("text", c.tag);
    if (seq !== c.seq) return;
    c.body.textContent = "";
    data.series.forEach(function (s) {
      if (!runMatch(s.run) || !s.items.length) return;
      const block = runBlock(s.run);
      const items = s.items.slice(-TEXT_ITEMS).reverse(); // newest first
      items.forEach(function (it) {
        const row = el("div", "text-item");
        row.appendChild(el("div", "text-step", "step " + it.step));
        const body = el("div", "markdown");
        // Safe: the server rendered this with markdown.render_text (escape first, then a fixed
        // set of tags and attributes). Every other logged string uses textContent.
        body.innerHTML = it.html;
        row.appendChild(body);
        block.appendChild(row);
      });
      if (s.items.length > TEXT_ITEMS) {
        const older = s.items.length - TEXT_ITEMS;
        block.appendChild(el("div", "muted", older + " older entries not shown"));
      }
      c.body.appendChild(block);
    });
    if (!c.body.childNodes.length) noRuns(c.body);
  }

  // ------------------------------------------------------------------------------ histograms
  const RIDGE_OLD = [255, 214, 170]; // oldest step: light orange (back)
  const RIDGE_NEW = [230, 81, 0]; // newest step: deep orange (front)

  function ridgeColor(t) {
    const c = RIDGE_OLD.map(function (a, i) { return Math.round(a + (RIDGE_NEW[i] - a) * t); });
    return "rgb(" + c.join(",") + ")";
  }

  // Spread each bucket's count over `bins` equal bins of [lo, hi] (uniform within a bucket),
  // so every step is drawn on the same bins and ridges compare.
  function rebin(buckets, lo, hi, bins) {
    const out = new Float64Array(bins);
    const bw = (hi - lo) / bins;
    const at = function (v) { return Math.max(0, Math.min(bins - 1, Math.floor((v - lo) / bw))); };
    buckets.forEach(function (b) {
      const l = num(b[0]);
      const r = num(b[1]);
      const cnt = num(b[2]);
      if (!(cnt > 0) || !Number.isFinite(l) || !Number.isFinite(r)) return;
      if (!(r > l)) {
        out[at(l)] += cnt;
        return;
      }
      for (let k = at(l); k <= at(r); k++) {
        const a = Math.max(l, lo + k * bw);
        const e = Math.min(r, lo + (k + 1) * bw);
        if (e > a) out[k] += cnt * (e - a) / (r - l);
      }
    });
    return out;
  }

  async function loadHistograms(c, seq) {
    const data = await getJSON("histograms", c.tag, [["max", 50]]);
    if (seq !== c.seq) return;
    c.body.textContent = "";
    c.hists = [];
    data.series.forEach(function (s) {
      if (!runMatch(s.run) || !s.items.length) return;
      const block = runBlock(s.run);
      const wrap = el("div", "chart hist");
      const h = {
        items: s.items, run: s.run,
        canvas: el("canvas", "plot"), overlay: el("canvas", "overlay"), tip: el("div", "tooltip"),
      };
      h.tip.hidden = true;
      wrap.append(h.canvas, h.overlay, h.tip);
      block.appendChild(wrap);
      c.body.appendChild(block);
      h.overlay.addEventListener("mousemove", function (e) {
        const r = h.overlay.getBoundingClientRect();
        hoverHist(h, e.clientX - r.left, e.clientY - r.top);
      });
      h.overlay.addEventListener("mouseleave", function () {
        prepareCanvas(h.overlay);
        h.tip.hidden = true;
      });
      c.hists.push(h);
    });
    if (!c.hists.length) c.body.appendChild(el("p", "muted", "No run matches the run filter."));
    c.hists.forEach(drawHist);
    c.redraw = function () { c.hists.forEach(drawHist); };
  }

  // TensorBoard's "offset" view: one ridge per step, x = value, older steps higher up and
  // behind, newer lower and in front; a step axis on the right.
  function drawHist(h) {
    const view = prepareCanvas(h.canvas);
    prepareCanvas(h.overlay);
    const ctx = view.ctx;
    const items = h.items;
    let lo = Infinity;
    let hi = -Infinity;
    items.forEach(function (it) {
      it.buckets.forEach(function (b) {
        const l = num(b[0]);
        const r = num(b[1]);
        if (Number.isFinite(l) && l < lo) lo = l;
        if (Number.isFinite(r) && r > hi) hi = r;
      });
    });
    if (!(lo <= hi)) return chartMessage(ctx, view, "No finite buckets");
    if (lo === hi) {
      lo -= 0.5;
      hi += 0.5;
    }
    const m = { left: 12, right: 60, top: 10, bottom: 24 };
    const pw = view.w - m.left - m.right;
    const ph = view.h - m.top - m.bottom;
    const bins = Math.max(10, Math.min(80, Math.floor(pw / 6)));
    const counts = items.map(function (it) { return rebin(it.buckets, lo, hi, bins); });
    let cmax = 0;
    counts.forEach(function (a) { a.forEach(function (v) { if (v > cmax) cmax = v; }); });
    cmax = cmax || 1;
    const ridge = Math.min(ph * 0.6, Math.max(30, ph / 3));
    const s0 = items[0].step;
    const s1 = items[items.length - 1].step;
    const base = function (step) { // the baseline of a step's ridge
      return m.top + ridge + (s1 > s0 ? (step - s0) / (s1 - s0) : 1) * (ph - ridge);
    };
    const tx = function (v) { return m.left + (v - lo) / (hi - lo) * pw; };
    const xt = linearTicks(lo, hi, Math.max(2, Math.floor(pw / 70)));
    const st = linearTicks(s0, Math.max(s1, s0 + 1), Math.max(2, Math.floor((ph - ridge) / 36)));
    drawAxes(ctx, view, m, [], base,
      xt.ticks.map(function (v) { return { at: v, text: fmtTick(v, xt.step) }; }), tx);
    ctx.textAlign = "left";
    ctx.textBaseline = "middle";
    ctx.fillStyle = "#616161";
    st.ticks.forEach(function (v) {
      if (v >= s0 && v <= s1) ctx.fillText(fmtTick(v, st.step), view.w - m.right + 6, base(v));
    });
    // Per step: the curve (stroked) and the curve closed along its baseline (filled).
    h.paths = items.map(function (it, i) {
      const curve = new Path2D();
      const y0 = base(it.step);
      curve.moveTo(tx(lo), y0);
      for (let k = 0; k < bins; k++) {
        curve.lineTo(tx(lo + (k + 0.5) * (hi - lo) / bins), y0 - counts[i][k] / cmax * ridge);
      }
      curve.lineTo(tx(hi), y0);
      const area = new Path2D(curve);
      area.closePath();
      return { curve: curve, area: area };
    });
    ctx.lineWidth = 1;
    ctx.strokeStyle = "rgba(120,45,0,0.45)";
    h.paths.forEach(function (p, i) { // oldest first, so newer ridges cover older ones
      ctx.fillStyle = ridgeColor(items.length > 1 ? i / (items.length - 1) : 1);
      ctx.fill(p.area);
      ctx.stroke(p.curve);
    });
    h.view = { base: base, tx: tx, lo: lo, hi: hi, m: m, pw: pw, counts: counts, bins: bins };
  }

  function hoverHist(h, mx, my) {
    const v = h.view;
    const o = prepareCanvas(h.overlay);
    h.tip.hidden = true;
    if (!v || mx < v.m.left || mx > v.m.left + v.pw) return;
    let best = 0;
    let bestD = Infinity;
    h.items.forEach(function (it, i) {
      const d = Math.abs(v.base(it.step) - my);
      if (d < bestD) {
        bestD = d;
        best = i;
      }
    });
    const it = h.items[best];
    o.ctx.lineWidth = 2;
    o.ctx.strokeStyle = "#212121";
    o.ctx.stroke(h.paths[best].curve);
    const x = v.lo + (mx - v.m.left) / v.pw * (v.hi - v.lo);
    const k = Math.max(0, Math.min(v.bins - 1, Math.floor((x - v.lo) / (v.hi - v.lo) * v.bins)));
    h.tip.textContent = "";
    h.tip.append(el("div", "tip-strong", "step " + it.step),
      el("div", "", "value \u2248 " + fmtVal(x)),
      el("div", "", "count \u2248 " + fmtVal(v.counts[best][k])),
      el("div", "muted", "range " + fmtVal(num(it.min)) + " \u2026 " + fmtVal(num(it.max))));
    h.tip.hidden = false;
    placeTip(h.tip, mx, my, o.w);
  }

  // ------------------------------------------------------------------------------ hparams
  async function loadHparamsPage() {
    pending++;
    setReady();
    const main = $("dashboard");
    try {
      const data = REPORT ? REPORT.hparams || {} : await api("/api/hparams");
      if (route !== "hparams") return;
      renderHparams(main, data);
    } catch (err) {
      main.textContent = "";
      main.appendChild(el("p", "card-error", String(err.message || err)));
    } finally {
      pending--;
      setReady();
    }
  }

  function renderHparams(main, data) {
    main.textContent = "";
    const panel = el("section", "panel");
    const sessions = (data.sessions || []).filter(function (s) { return runMatch(s.run); });
    panel.appendChild(el("h3", "panel-title", "Sessions (" + sessions.length + ")"));
    if (!(data.sessions || []).length) {
      const none = "No hparams sessions in this log directory (add_hparams writes them).";
      panel.appendChild(el("p", "muted", none));
      main.appendChild(panel);
      return;
    }
    const names = data.hparams || [];
    const metrics = data.metrics || [];
    const hpCol = function (n) {
      return { name: n, cls: "hp", get: function (s) { return (s.hparams || {})[n]; } };
    };
    const metricCol = function (n) {
      return { name: n, cls: "metric", get: function (s) { return num((s.metrics || {})[n]); } };
    };
    const cols = [{ name: "Run", get: function (s) { return s.run; } }]
      .concat(names.map(hpCol), metrics.map(metricCol));
    const table = el("table");
    table.id = "hparams-table";
    const head = table.createTHead().insertRow();
    const tbody = table.createTBody();
    const fill = function () {
      const rows = sessions.slice();
      if (hparamSort.col >= 0 && hparamSort.col < cols.length) {
        const get = cols[hparamSort.col].get;
        rows.sort(function (a, b) { return compareCells(get(a), get(b)) * hparamSort.dir; });
      }
      tbody.textContent = "";
      rows.forEach(function (s) {
        const tr = tbody.insertRow();
        cols.forEach(function (col) {
          const v = col.get(s);
          const td = tr.insertCell();
          td.className = (col.cls || "") + (typeof v === "number" ? " num" : "");
          if (v !== undefined && v !== null) {
            td.textContent = typeof v === "number" ? fmtVal(v) : String(v);
          }
        });
      });
      Array.prototype.forEach.call(head.cells, function (th, i) {
        th.dataset.sort = i === hparamSort.col ? (hparamSort.dir > 0 ? "asc" : "desc") : "";
      });
    };
    cols.forEach(function (col, i) {
      const th = el("th", col.cls || "", col.name);
      const what = col.cls === "metric" ? "metric" : col.cls === "hp" ? "hyperparameter" : "run";
      th.title = what + ": click to sort";
      th.addEventListener("click", function () {
        hparamSort = { col: i, dir: hparamSort.col === i ? -hparamSort.dir : 1 };
        fill();
      });
      head.appendChild(th);
    });
    fill();
    const scroll = el("div", "table-scroll");
    scroll.appendChild(table);
    panel.appendChild(scroll);
    main.appendChild(panel);
  }

  // Numbers numerically (NaN after numbers), strings naturally, missing values last.
  function compareCells(a, b) {
    const rank = function (v) {
      if (v === undefined || v === null || v === "") return 3;
      if (typeof v === "number") return Number.isNaN(v) ? 1 : 0;
      return 2;
    };
    const ra = rank(a);
    const rb = rank(b);
    if (ra !== rb) return ra - rb;
    if (ra === 0) return a - b;
    if (ra === 2) return natural(String(a), String(b));
    return 0;
  }

  // ------------------------------------------------------------------------------ page shell
  function ensure(id, tag, parent) {
    let e = $(id);
    if (!e) {
      e = el(tag);
      e.id = id;
      parent.appendChild(e);
    }
    return e;
  }

  // The header, banner, sidebar and main element: taken from index.html when present, made
  // here otherwise (the report's HTML holds only the data and the script).
  function buildShell() {
    const body = document.body;
    if (!document.querySelector("link[rel~=icon]")) {
      // Without one Chromium asks for /favicon.ico: a 404 in the console (the server has none).
      const icon = el("link");
      icon.rel = "icon";
      icon.href = "data:,";
      document.head.appendChild(icon);
    }
    const header = ensure("topbar", "header", body);
    if (!header.childNodes.length) {
      const brand = el("a", "brand", "tinytb");
      brand.href = routeHref("scalars");
      header.append(brand, el("span", "logdir"), ensure("nav", "nav", header), el("span", "live"));
    }
    ensure("banner", "div", body).hidden = true;
    const layout = ensure("layout", "div", body);
    const side = ensure("sidebar", "aside", layout);
    ensure("dashboard", "main", layout);
    buildSidebar(side);
  }

  function control(label, input) {
    const wrap = el("label", "control");
    wrap.appendChild(el("span", "control-label", label));
    wrap.appendChild(input);
    return wrap;
  }

  function buildSidebar(side) {
    side.textContent = "";
    const sc = el("div", "scalar-controls");
    // Smoothing: a range and a number box kept in step.
    const range = el("input");
    range.type = "range";
    range.min = "0";
    range.max = "0.999";
    range.step = "0.001";
    range.value = String(state.smoothing);
    const box = el("input", "num-box");
    box.type = "number";
    box.min = "0";
    box.max = "0.999";
    box.step = "0.001";
    box.value = String(state.smoothing);
    const srow = el("div", "row");
    srow.append(range, box);
    const refetch = debounceBusy(function () { reloadKind("scalars"); }, REPORT ? 40 : 250);
    const setSmoothing = function (v) {
      if (!(v >= 0 && v <= 0.999)) return;
      state.smoothing = v;
      range.value = box.value = String(v);
      saveState();
      refetch();
    };
    range.addEventListener("input", function () { setSmoothing(Number(range.value)); });
    box.addEventListener("change", function () { setSmoothing(Number(box.value)); });
    sc.appendChild(control("Smoothing", srow));
    const axis = el("select");
    Object.keys(AXES).forEach(function (k) {
      const o = el("option", "", AXES[k]);
      o.value = k;
      axis.appendChild(o);
    });
    axis.value = state.x;
    axis.addEventListener("change", function () {
      state.x = axis.value;
      saveState();
      reloadKind("scalars");
    });
    sc.appendChild(control("Horizontal axis", axis));
    const log = el("input");
    log.type = "checkbox";
    log.checked = state.log;
    log.addEventListener("change", function () {
      state.log = log.checked;
      saveState();
      cards.forEach(function (c) { if (c.redraw) c.redraw(); }); // no refetch: same points
    });
    const lrow = el("label", "check");
    lrow.append(log, el("span", "", "Log scale (y)"));
    sc.appendChild(lrow);
    side.appendChild(sc);
    side.appendChild(filterInput("Filter runs (regex)", "runs", function () {
      renderRuns();
      if (route === "hparams") loadHparamsPage();
      else syncCards(true); // the reduction's x range and the run sets change
    }));
    side.appendChild(filterInput("Filter tags (regex)", "tags", function () { syncCards(false); }));
    const runs = el("div", "runs-box");
    runs.append(el("div", "runs-title"), el("ul", "runs"));
    side.appendChild(runs);
  }

  // A regex filter box: an invalid pattern shows its error and filters nothing (never throws).
  function filterInput(label, key, onChange) {
    const wrap = el("div", "filter");
    const input = el("input");
    input.type = "search";
    input.placeholder = key === "runs" ? "e.g. train|eval" : "e.g. loss";
    input.value = state[key];
    input.spellcheck = false;
    const err = el("div", "filter-error");
    const apply = function () {
      let re = null;
      err.textContent = "";
      input.classList.remove("invalid");
      if (input.value) {
        try {
          re = new RegExp(input.value, "i");
        } catch (e) {
          input.classList.add("invalid");
          err.textContent = e.message;
        }
      }
      if (key === "runs") runFilter = re;
      else tagFilter = re;
    };
    apply();
    const changed = debounceBusy(function () {
      if (state[key] === input.value) return;
      state[key] = input.value;
      apply();
      saveState();
      if (index) onChange();
    }, 250);
    input.addEventListener("input", changed);
    wrap.append(control(label, input), err);
    return wrap;
  }

  function reloadKind(kind) {
    if (route === kind) cards.forEach(loadCard);
  }

  function renderNav() {
    const nav = $("nav");
    if (!nav || !index) return;
    nav.textContent = "";
    KINDS.forEach(function (k) {
      const a = el("a", "nav-link", TITLES[k]);
      a.href = routeHref(k);
      const n = k === "hparams" ? (index.hparams ? 1 : 0) : tagsOf(k).length;
      if (k !== "hparams") a.appendChild(el("span", "count", n));
      if (!n) a.classList.add("nav-empty");
      if (k === route) a.classList.add("active");
      nav.appendChild(a);
    });
  }

  function renderRuns() {
    const side = $("sidebar");
    const ul = side.querySelector(".runs");
    const title = side.querySelector(".runs-title");
    const runs = (index.runs || []).slice().sort(natural);
    const shown = runs.filter(runMatch);
    const count = shown.length === runs.length ? runs.length : shown.length + " of " + runs.length;
    title.textContent = "Runs (" + count + ")";
    ul.textContent = "";
    shown.slice(0, 500).forEach(function (r) {
      const li = el("li");
      const sw = el("span", "swatch");
      sw.style.backgroundColor = colorOf(r);
      li.append(sw, el("span", "", r));
      li.title = r;
      ul.appendChild(li);
    });
  }

  function renderBanner() {
    const b = $("banner");
    const errs = index.errors || [];
    b.textContent = "";
    b.hidden = !errs.length;
    if (!errs.length) return;
    const d = el("details");
    d.appendChild(el("summary", "", errs.length + (errs.length === 1 ? " file" : " files") +
      " could not be read to the end (shown up to the error)"));
    const ul = el("ul");
    errs.forEach(function (e) {
      const at = e.offset === null || e.offset === undefined ? "" : " @ byte " + e.offset;
      ul.appendChild(el("li", "", e.file + at + ": " + e.message));
    });
    d.appendChild(ul);
    b.appendChild(d);
  }

  // A report's --title, else the log directory's name.
  function pageName() {
    return (REPORT && REPORT.title) || index.logdir || "tinytb";
  }

  function renderHeader() {
    const header = $("topbar");
    const logdir = header.querySelector(".logdir");
    if (logdir) logdir.textContent = pageName();
    const live = header.querySelector(".live");
    if (live && REPORT) {
      live.textContent = "report" + (REPORT.generated ? " \u00b7 " + REPORT.generated : "");
    }
  }

  function applyIndex(next) {
    index = next;
    colors = runColors(index.runs || []);
    renderHeader();
    renderNav();
    renderRuns();
    renderBanner();
  }

  // ------------------------------------------------------------------------------ live
  // Poll /api/index every `reload` seconds; on a new generation refetch the shown cards (new
  // tags get cards, new runs join their charts) without touching slider or filter state.
  function schedulePoll() {
    if (REPORT || !(index.reload > 0)) return;
    setTimeout(poll, index.reload * 1000);
  }

  async function poll() {
    const live = document.querySelector("#topbar .live");
    try {
      if (!document.hidden) {
        const next = await api("/api/index");
        if (live) {
          live.textContent = "live";
          live.classList.remove("offline");
        }
        if (next.generation !== index.generation) {
          applyIndex(next);
          if (route === "hparams") loadHparamsPage();
          else syncCards(true);
        }
      }
    } catch (err) {
      if (live) {
        live.textContent = "server unreachable";
        live.classList.add("offline");
      }
    } finally {
      schedulePoll();
    }
  }

  // ------------------------------------------------------------------------------ start
  function onResize() {
    cards.forEach(function (c) {
      if (!c.redraw) return;
      // A scalar chart whose width changed needs a new reduction; others only a redraw.
      if (c.canvas && c.data && chartWidth(c) !== c.width) loadCard(c);
      else c.redraw();
    });
  }

  async function start() {
    document.body.dataset.ready = "0";
    route = currentRoute();
    buildShell();
    try {
      applyIndex(REPORT ? REPORT.index : await api("/api/index"));
    } catch (err) {
      const main = $("dashboard");
      main.dataset.kind = route;
      main.textContent = "";
      main.appendChild(el("p", "card-error", "Cannot load the index: " + (err.message || err)));
      document.body.dataset.ready = "1";
      return;
    }
    const live = document.querySelector("#topbar .live");
    if (live && !REPORT) live.textContent = "live";
    renderDashboard();
    schedulePoll();
    window.addEventListener("resize", debounceBusy(onResize, 250));
    if (REPORT) {
      window.addEventListener("hashchange", function () {
        const r = currentRoute();
        if (r === route) return;
        route = r;
        renderNav();
        renderDashboard();
      });
    }
  }

  // For tests (the report's smoothing against series.py) and for the curious console user.
  window.tinytb = {
    smooth: smooth, reduce: reduce, xValues: xValues, pyRepr: pyRepr, decodeB64: decodeB64,
    csv: function (tag, runs) { return REPORT ? buildCsv(tag, runs) : null; },
  };

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
