/* Descent Lab's player: animates the runs the server already sent, with no request per frame.
 *
 * It reads each run's whole path from the figures (trace layout documented in app/figures.py)
 * and moves only the "so far" traces, the current points, the arrows and the fitted lines.
 * Playback is time-based: a run of any length plays in DURATION_MS / speed, skipping steps
 * when the renderer is slow.
 *
 * On the 2D graphs a frame calls no Plotly function: it rewrites the SVG Plotly drew for the
 * whole runs (line paths, marker positions, hidden markers), a millisecond's work where a
 * Plotly update recomputes the figure (and Plotly.animate, on plotly.js 4, also erases a
 * contour map it was not asked to touch). gd.data keeps the whole runs; when Plotly redraws
 * a graph (zoom, resize, new figure) the player paints its step again. The 3D view is WebGL
 * and is restyled through Plotly.
 *
 * Long arrays arrive as plotly's typed arrays ({dtype, bdata[, shape]}, base64): arr() decodes
 * them once (cached per object) into Float32Array and friends; rows of a 2D array are
 * subarrays, so rows are tested with isRow(), not Array.isArray. The 3D path is thinned more
 * than the map's: its point is found by its own steps (customdata), not the map's index.
 */
(function () {
  "use strict";
  var MAX_RUNS = 4;
  var ARROWS = [1 + 3 * MAX_RUNS + 2, 1 + 3 * MAX_RUNS + 3, 1 + 3 * MAX_RUNS + 4];  // gradient, update, batch
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

  function render(only2d) {
    var all = runs();
    if (!all.length || !window.Plotly) return;
    watchRedraws();
    var step = state.step;
    var contour = plot("contour"), surface = plot("surface3d");
    var positions = all.map(function (r) { return { run: r, i: indexAt(r.info, step) }; });
    if (contour) paintContour(contour, positions);
    if (surface && only2d !== true) restyle3d(surface, positions, step);
    ["loss-graph", "lr-graph", "third-graph"].forEach(function (id) { paintCurves(plot(id), step); });
    label();
  }

  function restyle3d(gd, positions, step) {
    var indices = [], xs = [], ys = [], zs = [], pointX = [], pointY = [], pointZ = [], shown = [];
    positions.forEach(function (at) {
      var path = gd.data[1 + 3 * at.run.slot] || {};
      var x = arr(path.x) || [], y = arr(path.y) || [], z = arr(path.z) || [];
      var steps = arr(path.customdata);
      var j = steps && steps.length ? indexAt(steps, step) : Math.min(at.i, x.length - 1);
      indices.push(2 + 3 * at.run.slot);
      xs.push(Array.prototype.slice.call(x, 0, j + 1));
      ys.push(Array.prototype.slice.call(y, 0, j + 1));
      zs.push(Array.prototype.slice.call(z, 0, j + 1));
      pointX.push([x[j]]); pointY.push([y[j]]); pointZ.push([z[j]]);
      shown.push(j);
    });
    if (!changed("surface3d", shown)) return;
    var points = indices.map(function (i) { return i + 1; });
    window.Plotly.restyle(gd, { x: xs.concat(pointX), y: ys.concat(pointY), z: zs.concat(pointZ) }, indices.concat(points));
  }

  // ------------------------------------------------------------------ SVG painting (2D)

  function traceNode(gd, index) {
    // The <g class="trace"> Plotly drew for data[index] (null if it drew none).
    var cd = gd.calcdata && gd.calcdata[index];
    var node = cd && cd[0] && cd[0].node3;
    return node && typeof node.node === "function" ? node.node() : null;
  }

  function axesOf(gd) {
    var layout = gd._fullLayout;
    return layout && layout.xaxis && layout.yaxis && layout.xaxis.c2p ? [layout.xaxis, layout.yaxis] : null;
  }

  function toPixels(ax, value) { return ax.c2p(ax.d2c(value)); }

  function pixels(gd, trace, xa, ya) {
    // A trace's points in pixels, cached until Plotly redraws the graph (axes may have moved).
    var hit = trace.__pixels;
    if (hit && hit.redraw === gd.__redraws) return hit;
    var x = arr(trace.x) || [], y = arr(trace.y) || [], n = x.length;
    var out = { redraw: gd.__redraws, x: new Float64Array(n), y: new Float64Array(n) };
    for (var k = 0; k < n; k++) { out.x[k] = toPixels(xa, x[k]); out.y[k] = toPixels(ya, y[k]); }
    Object.defineProperty(trace, "__pixels", { value: out, writable: true, configurable: true, enumerable: false });
    return out;
  }

  function linePath(px, py, count) {
    var parts = new Array(count);
    for (var k = 0; k < count; k++) parts[k] = px[k].toFixed(2) + "," + py[k].toFixed(2);
    return "M" + parts.join("L");
  }

  function paintPrefix(gd, node, px, py, count) {
    // Show the first `count` points of a line(+markers) trace Plotly drew whole. Markers are
    // hidden, not removed; after a redraw (Plotly may reuse the nodes) every one is set again.
    if (!node) return;
    var line = node.querySelector("path.js-line");
    if (line) line.setAttribute("d", count > 1 ? linePath(px, py, count) : "M0,0");
    if (node.__redraw !== gd.__redraws) {
      node.__redraw = gd.__redraws;
      node.__markers = node.querySelectorAll(".points path.point");
      node.__shown = -1;
    }
    var markers = node.__markers, shown = node.__shown;
    if (shown === count) return;
    var low = shown < 0 ? 0 : Math.min(shown, count);
    var high = shown < 0 ? markers.length : Math.min(Math.max(shown, count), markers.length);
    for (var k = low; k < high; k++) markers[k].style.display = k < count ? "" : "none";
    node.__shown = count;
  }

  function movePoint(node, x, y) {
    var point = node && node.querySelector(".points path.point");
    if (point && isFinite(x) && isFinite(y)) point.setAttribute("transform", "translate(" + x + "," + y + ")");
  }

  var SHORTEST_ARROW_PX = 4;  // shorter than its own head: not drawn

  function paintArrow(node, trace, xa, ya, x, y, dx, dy) {
    // A two-point trace: the shaft from (x, y), an arrowhead marker at the tip turned along it.
    if (!node || !trace) return;
    var x0 = toPixels(xa, x), y0 = toPixels(ya, y), x1 = toPixels(xa, x + dx), y1 = toPixels(ya, y + dy);
    var shown = isFinite(x1) && isFinite(y1) && Math.hypot(x1 - x0, y1 - y0) >= SHORTEST_ARROW_PX;
    node.style.display = shown ? "" : "none";
    if (!shown) return;
    node.style.opacity = 1;  // the server draws a short arrow transparent
    var line = node.querySelector("path.js-line");
    if (line) line.setAttribute("d", "M" + x0 + "," + y0 + "L" + x1 + "," + y1);
    var markers = node.querySelectorAll(".points path.point");
    var head = markers[markers.length - 1];
    if (!head) return;
    // Plotly's "arrow" symbol: tip at the point, two corners `size` behind it at ±18°. Plotly
    // bakes the turn into the path; here the path points along +x and a rotate() turns it.
    var size = (trace.marker && trace.marker.size && trace.marker.size[1]) || 12;
    var back = -size * Math.cos(Math.PI / 10), side = size * Math.sin(Math.PI / 10);
    head.setAttribute("d", "M0,0L" + back + "," + side + "L" + back + "," + -side + "Z");
    var angle = Math.atan2(y1 - y0, x1 - x0) / Math.PI * 180;
    head.setAttribute("transform", "translate(" + x1 + "," + y1 + ")rotate(" + angle + ")");
  }

  function paintContour(gd, positions) {
    var axes = axesOf(gd);
    if (!axes) return;
    var xa = axes[0], ya = axes[1];
    positions.forEach(function (at) {
      var slot = at.run.slot, soFar = gd.data[2 + 3 * slot];
      if (!soFar) return;
      var p = pixels(gd, soFar, xa, ya), last = Math.min(at.i, p.x.length - 1);
      paintPrefix(gd, traceNode(gd, 2 + 3 * slot), p.x, p.y, last + 1);
      movePoint(traceNode(gd, 3 + 3 * slot), p.x[last], p.y[last]);
    });
    // The arrows of the first run, from its row [step, gradient x, y, update x, y(, batch x, y)].
    var first = positions[0], row = first.run.info[first.i];
    var x = first.run.x[first.i], y = first.run.y[first.i];
    for (var k = 0; k < ARROWS.length; k++) {
      var has = isRow(row) && row.length >= 3 + 2 * k;
      paintArrow(traceNode(gd, ARROWS[k]), gd.data[ARROWS[k]], xa, ya, x, y, has ? row[1 + 2 * k] : 0, has ? row[2 + 2 * k] : 0);
    }
  }

  function paintCurves(gd, step) {
    // Each curve carries its own iterations on x: no need for the map's runs.
    if (!gd) return;
    var axes = axesOf(gd);
    if (!axes) return;
    if (gd.data[0] && gd.data[0].name === "data") { paintFittedLines(gd, step, axes); return; }
    for (var s = 0; s < MAX_RUNS; s++) {
      var curve = gd.data[s];
      var cx = curve && arr(curve.x), cy = curve && arr(curve.y);
      if (!cx || !cx.length) continue;
      var j = indexAt(cx, step);
      movePoint(traceNode(gd, MAX_RUNS + s), toPixels(axes[0], cx[j]), toPixels(axes[1], cy[j]));
    }
  }

  function paintFittedLines(gd, step, axes) {
    // Line s carries rows [iteration, w, b]; slope and intercept in raw units of x.
    for (var s = 0; s < MAX_RUNS; s++) {
      var line = gd.data[1 + s];
      var rows = line && arr(line.customdata), lx = line && arr(line.x);
      if (!line || !line.meta || !rows || !rows.length) continue;
      var node = traceNode(gd, 1 + s), path = node && node.querySelector("path.js-line");
      if (!path) continue;
      var row = rows[indexAt(rows, step)];
      var w = row[1], b = row[2];
      var slope = w / line.meta.scale, intercept = b - w * line.meta.shift / line.meta.scale;
      var ends = [0, 1].map(function (k) {
        return toPixels(axes[0], lx[k]).toFixed(2) + "," + toPixels(axes[1], slope * lx[k] + intercept).toFixed(2);
      });
      path.setAttribute("d", "M" + ends[0] + "L" + ends[1]);
    }
  }

  function watchRedraws() {
    // Plotly redraws a 2D graph from gd.data, the whole runs (zoom, resize, new figure):
    // paint the player's step again (a few DOM writes; no Plotly call, so no loop).
    ["contour", "loss-graph", "lr-graph", "third-graph"].forEach(function (id) {
      var gd = plot(id);
      if (!gd || gd.__watched || typeof gd.on !== "function") return;
      gd.__watched = true;
      gd.__redraws = 0;
      gd.on("plotly_afterplot", function () {
        gd.__redraws++;
        window.requestAnimationFrame(function () { render(true); });
      });
    });
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
      var shown = all.length ? all[0].x.length : 0;
      if (shown !== expected && (tries || 0) < 100) {
        window.setTimeout(function () { window.descentLab.loaded(expected, (tries || 0) + 1); }, 50);
        return;
      }
      state.total = totalSteps();
      state.step = state.total;
      // A repaint after Plotly drew the new runs may have used the old step: draw them whole.
      render(true);
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
      syncRate: function (typed, exponent, low, high) {
        // The slider holds log10(lr): typing a rate moves the slider (pinned to its ends, the
        // error shows under the box); sliding sets the rate to 3 significant digits. Anything
        // that is not a number leaves both alone.
        var none = window.dash_clientside.no_update;
        var context = window.dash_clientside.callback_context || {};
        var fromSlider = (context.triggered || []).some(function (t) { return t.prop_id === "lr-slider.value"; });
        function number(v) { return typeof v === "number" && isFinite(v) ? v : null; }
        function clamp(v) { return Math.min(Math.max(v, low), high); }
        if (fromSlider) {
          var e = number(exponent);
          return e === null ? [none, none] : [Number(Math.pow(10, clamp(e)).toPrecision(3)), none];
        }
        var rate = number(typed);
        return rate !== null && rate > 0 ? [none, clamp(Math.log10(rate))] : [none, none];
      },
      speed: function (speed) {
        window.descentLab.setSpeed(Number(speed) || 1);
        return speed;
      }
    }
  });
})();
