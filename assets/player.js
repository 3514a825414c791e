/* Descent Lab's player: animates the runs the server already sent, with no request per frame.
 *
 * It reads each run's whole path from the figures (trace layout documented in app/figures.py)
 * and restyles only the "so far" traces, the current points, the arrows and the fitted lines.
 * Playback is time-based: a run of any length plays in DURATION_MS / speed, skipping steps
 * when the renderer is slow.
 *
 * Long arrays arrive as plotly's typed arrays ({dtype, bdata[, shape]}, base64): arr() decodes
 * them once (cached per object) into Float32Array and friends; rows of a 2D array are
 * subarrays, so rows are tested with isRow(), not Array.isArray. The 3D path is thinned more
 * than the map's: its point is found by its own steps (customdata), not the map's index.
 */
(function () {
  "use strict";
  var MAX_RUNS = 4;
  var DURATION_MS = 6000;
  var lastKey = null;
  var state = { step: 0, total: 0, playing: false, speed: 1, t0: 0, s0: 0, raf: null };

  var TYPES = {
    f4: Float32Array, f8: Float64Array, i1: Int8Array, u1: Uint8Array, u1c: Uint8ClampedArray,
    i2: Int16Array, u2: Uint16Array, i4: Int32Array, u4: Uint32Array
  };
  var decoded = typeof WeakMap === "function" ? new WeakMap() : null;

  function arr(v) {
    // A plain or typed array as given; a {dtype, bdata} spec decoded (once per object).
    if (!v || typeof v !== "object" || typeof v.bdata !== "string" || !TYPES[v.dtype]) return v;
    var hit = decoded && decoded.get(v);
    if (hit) return hit;
    var bin = window.atob(v.bdata), bytes = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    var flat = new TYPES[v.dtype](bytes.buffer), out = flat;
    var dims = v.shape ? String(v.shape).split(",").map(Number) : [];
    if (dims.length === 2) {
      out = [];
      for (var r = 0; r < dims[0]; r++) out.push(flat.subarray(r * dims[1], (r + 1) * dims[1]));
    }
    if (decoded) decoded.set(v, out);
    return out;
  }

  function fastUpdate(gd, update, indices) {
    // Cartesian scatter traces only: Plotly.animate without redraw recomputes just these
    // traces, where restyle would recompute every trace (the contour map's levels included).
    var data = indices.map(function (_, k) {
      var trace = {};
      Object.keys(update).forEach(function (key) { trace[key] = update[key][k]; });
      return trace;
    });
    return window.Plotly.animate(gd, { data: data, traces: indices }, {
      transition: { duration: 0 }, frame: { duration: 0, redraw: false }, mode: "immediate"
    }).catch(function () {});  // a frame superseded by the next one is no error
  }

  var drawn = {};  // per view, the displayed indices last drawn: an unchanged view is skipped

  function changed(view, indices) {
    var key = indices.join(",");
    if (drawn[view] === key) return false;
    drawn[view] = key;
    return true;
  }

  function isRow(v) { return v != null && typeof v === "object" && typeof v.length === "number"; }

  function plot(id) {
    var el = document.getElementById(id);
    if (!el) return null;
    var gd = el.classList.contains("js-plotly-plot") ? el : el.querySelector(".js-plotly-plot");
    return gd && gd.data ? gd : null;
  }

  function runs() {
    // Each run slot's whole path, from the contour map (trace 1 + 3s).
    var gd = plot("contour");
    var out = [];
    if (!gd) return out;
    for (var s = 0; s < MAX_RUNS; s++) {
      var whole = gd.data[1 + 3 * s];
      var x = whole && arr(whole.x);
      if (!x || !x.length) continue;
      out.push({ slot: s, x: x, y: arr(whole.y), info: arr(whole.customdata) });
    }
    return out;
  }

  function stepOf(info, i) { return isRow(info[i]) ? info[i][0] : info[i]; }

  function indexAt(info, step) {
    // Largest displayed index whose iteration is <= step (binary search).
    var lo = 0, hi = info.length - 1;
    if (stepOf(info, 0) > step) return 0;
    while (lo < hi) {
      var mid = (lo + hi + 1) >> 1;
      if (stepOf(info, mid) <= step) lo = mid; else hi = mid - 1;
    }
    return lo;
  }

  function totalSteps() {
    var total = 0;
    runs().forEach(function (r) { total = Math.max(total, stepOf(r.info, r.info.length - 1)); });
    return total;
  }

  function render() {
    var all = runs();
    if (!all.length || !window.Plotly) return;
    var step = state.step;
    var contour = plot("contour"), surface = plot("surface3d");
    var pathIdx = [], pointIdx = [], px = [], py = [], ptx = [], pty = [];
    var zPath = [], zPoint = [], px3 = [], py3 = [], ptx3 = [], pty3 = [];
    var positions = [];
    all.forEach(function (r) {
      var i = indexAt(r.info, step);
      positions.push({ run: r, i: i });
      pathIdx.push(2 + 3 * r.slot);
      pointIdx.push(3 + 3 * r.slot);
      px.push(Array.prototype.slice.call(r.x, 0, i + 1));
      py.push(Array.prototype.slice.call(r.y, 0, i + 1));
      ptx.push([r.x[i]]);
      pty.push([r.y[i]]);
      if (surface) {
        var path3 = surface.data[1 + 3 * r.slot] || {};
        var x3 = arr(path3.x) || [], y3 = arr(path3.y) || [], z3 = arr(path3.z) || [];
        var steps3 = arr(path3.customdata);
        var j = steps3 && steps3.length ? indexAt(steps3, step) : Math.min(i, x3.length - 1);
        px3.push(Array.prototype.slice.call(x3, 0, j + 1));
        py3.push(Array.prototype.slice.call(y3, 0, j + 1));
        zPath.push(Array.prototype.slice.call(z3, 0, j + 1));
        ptx3.push([x3[j]]);
        pty3.push([y3[j]]);
        zPoint.push([z3[j]]);
      }
    });
    var indices = pathIdx.concat(pointIdx);
    if (contour && changed("contour", positions.map(function (p) { return p.i; }))) {
      fastUpdate(contour, { x: px.concat(ptx), y: py.concat(pty) }, indices);
      arrows(contour, positions[0]);
    }
    if (surface && changed("surface3d", px3.map(function (p) { return p.length; }))) {
      window.Plotly.restyle(surface, { x: px3.concat(ptx3), y: py3.concat(pty3), z: zPath.concat(zPoint) }, indices);
    }
    ["loss-graph", "lr-graph", "third-graph"].forEach(function (id) { markCurve(plot(id), step, id); });
    label();
  }

  function arrows(gd, at) {
    var meta = gd.layout.meta || {};
    var scale = meta.arrow_scale || 0;
    var row = at.run.info[at.i];
    if (!isRow(row)) return;
    var x = at.run.x[at.i], y = at.run.y[at.i];
    var update = {
      "annotations[0].ax": x, "annotations[0].ay": y,
      "annotations[0].x": x + row[1] * scale, "annotations[0].y": y + row[2] * scale,
      "annotations[1].ax": x, "annotations[1].ay": y,
      "annotations[1].x": x + row[3], "annotations[1].y": y + row[4]
    };
    if (row.length >= 7) {  // mini-batch: the batch gradient beside the full-data one
      update["annotations[2].ax"] = x; update["annotations[2].ay"] = y;
      update["annotations[2].x"] = x + row[5] * scale; update["annotations[2].y"] = y + row[6] * scale;
    }
    window.Plotly.relayout(gd, update);
  }

  function markCurve(gd, step, id) {
    // Each curve carries its own iterations on x: no need for the map's runs.
    if (!gd) return;
    if (gd.data[0] && gd.data[0].name === "data") return fittedLines(gd, step);
    var idx = [], xs = [], ys = [];
    for (var s = 0; s < MAX_RUNS; s++) {
      var curve = gd.data[s];
      var cx = curve && arr(curve.x), cy = curve && arr(curve.y);
      if (!cx || !cx.length) continue;
      var j = indexAt(cx, step);
      idx.push(MAX_RUNS + s);
      xs.push([cx[j]]);
      ys.push([cy[j]]);
    }
    if (idx.length && changed(id, xs)) fastUpdate(gd, { x: xs, y: ys }, idx);
  }

  function fittedLines(gd, step) {
    // Line s carries rows [iteration, w, b]; slope and intercept in raw units of x.
    var idx = [], ys = [];
    for (var s = 0; s < MAX_RUNS; s++) {
      var line = gd.data[1 + s];
      var rows = line && arr(line.customdata), lx = line && arr(line.x);
      if (!line || !line.meta || !rows || !rows.length) continue;
      var row = rows[indexAt(rows, step)];
      var w = row[1], b = row[2];
      var slope = w / line.meta.scale, intercept = b - w * line.meta.shift / line.meta.scale;
      idx.push(1 + s);
      ys.push([slope * lx[0] + intercept, slope * lx[1] + intercept]);
    }
    if (idx.length && changed(gd.id || "data-fit", ys)) fastUpdate(gd, { y: ys }, idx);
  }

  function label() {
    var stepEl = document.getElementById("player-step");
    var totalEl = document.getElementById("player-total");
    var scrub = document.getElementById("player-scrubber");
    var play = document.getElementById("player-play");
    if (stepEl) stepEl.textContent = String(state.step);
    if (totalEl) totalEl.textContent = String(state.total);
    if (scrub) { scrub.max = String(state.total); scrub.value = String(state.step); }
    if (play) { play.textContent = state.playing ? "❚❚" : "▶"; play.setAttribute("aria-pressed", String(state.playing)); }
  }

  function tick(now) {
    if (!state.playing) return;
    var elapsed = now - state.t0;
    var step = Math.min(state.total, Math.floor(state.s0 + (elapsed / DURATION_MS) * state.total * state.speed));
    if (step !== state.step) {
      state.step = step;
      try { render(); } catch (error) { console.warn("descent lab player:", error); }  // keep playing
    }
    if (step >= state.total) { state.playing = false; label(); return; }
    state.raf = window.requestAnimationFrame(tick);
  }

  function play() {
    state.total = totalSteps();
    if (!state.total) return;
    if (state.step >= state.total) { state.step = 0; render(); }
    state.playing = true;
    state.t0 = performance.now();
    state.s0 = state.step;
    label();
    state.raf = window.requestAnimationFrame(tick);
  }

  function pause() {
    state.playing = false;
    if (state.raf) window.cancelAnimationFrame(state.raf);
    label();
  }

  function seek(step) {
    pause();
    state.total = totalSteps();
    state.step = Math.max(0, Math.min(state.total, step));
    render();
  }

  function nudge(direction) {
    // One displayed point back or forward (one iteration unless the path was thinned).
    var all = runs();
    if (!all.length) return;
    var info = all[0].info, i = indexAt(info, state.step) + direction;
    i = Math.max(0, Math.min(info.length - 1, i));
    seek(direction > 0 && stepOf(info, i) <= state.step ? state.step + 1 : stepOf(info, i));
  }

  function toggle() { if (state.playing) pause(); else play(); }

  document.addEventListener("click", function (event) {
    var target = event.target.closest ? event.target.closest("button") : null;
    if (!target) return;
    if (target.id === "player-play") toggle();
    else if (target.id === "player-back") nudge(-1);
    else if (target.id === "player-forward") nudge(1);
    else if (target.id === "player-start") seek(0);
    else if (target.id === "help-button") toggleHelp();
  });

  function toggleHelp() {
    var help = document.getElementById("shortcuts");
    if (help) help.hidden = !help.hidden;
  }

  function togglePresenting() {
    var page = document.getElementById("page");
    if (page) page.classList.toggle("presenting");
    window.dispatchEvent(new Event("resize"));  // graphs refit their new boxes
  }

  document.addEventListener("input", function (event) {
    if (event.target && event.target.id === "player-scrubber") seek(parseInt(event.target.value, 10) || 0);
  });

  document.addEventListener("keydown", function (event) {
    var tag = (event.target && event.target.tagName || "").toLowerCase();
    if (tag === "input" || tag === "textarea" || tag === "select" || (event.target && event.target.isContentEditable)) return;
    if (event.key === " " || event.code === "Space") { event.preventDefault(); toggle(); }
    else if (event.key === "ArrowLeft") { event.preventDefault(); nudge(-1); }
    else if (event.key === "ArrowRight") { event.preventDefault(); nudge(1); }
    else if (event.key === "Home") { event.preventDefault(); seek(0); }
    else if (event.key === "p" || event.key === "P") { togglePresenting(); }
    else if (event.key === "?") { toggleHelp(); }
    else if (event.key === "Escape") { var help = document.getElementById("shortcuts"); if (help) help.hidden = true; }
  });

  window.descentLab = {
    state: state,
    play: play,
    pause: pause,
    seek: seek,
    setSpeed: function (speed) {
      var wasPlaying = state.playing;
      if (wasPlaying) pause();
      state.speed = speed > 0 ? speed : 1;
      if (wasPlaying) play();
    },
    loaded: function (expected, tries) {
      // New figures from the server show every run to its end: the player starts there.
      // The graph draws asynchronously, so wait until it holds the new path.
      pause();
      drawn = {};
      var all = runs();
      var drawn = all.length ? all[0].x.length : 0;
      if (drawn !== expected && (tries || 0) < 100) {
        window.setTimeout(function () { window.descentLab.loaded(expected, (tries || 0) + 1); }, 50);
        return;
      }
      state.total = totalSteps();
      state.step = state.total;
      label();
    }
  };

  window.dash_clientside = Object.assign({}, window.dash_clientside, {
    player: {
      load: function (figure) {
        // Fires for new server figures, and may fire again when the graph reports our own
        // restyles: only genuinely new paths move the player back to the end.
        var data = (figure && figure.data) || [];
        var key = [];
        for (var s = 0; s < MAX_RUNS; s++) {
          var whole = data[1 + 3 * s];
          var wx = whole && arr(whole.x), wy = whole && arr(whole.y);
          var n = wx ? wx.length : 0;
          key.push(n, n ? wx[0] : 0, n ? wy[0] : 0, n ? wx[n - 1] : 0, n ? wy[n - 1] : 0);
        }
        key = key.join(",");
        if (key !== lastKey) {
          lastKey = key;
          var first = data[1] && arr(data[1].x);
          window.descentLab.loaded(key ? (first ? first.length : 0) : 0, 0);
        }
        return key;
      },
      href: function () { return window.location.href; },
      speed: function (speed) {
        window.descentLab.setSpeed(Number(speed) || 1);
        return speed;
      }
    }
  });
})();
