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
 * The contract with app/figures (see its docstring): contour traces 1 + 3s / 2 + 3s / 3 + 3s are
 * run slot s's whole path (customdata rows [step, arrows...]), path so far and current point;
 * curve traces s and R + s are slot s's curve and its current point, the curve's
 * customdata the iteration of each point (x may be epochs, examples or time; without
 * customdata x is the iteration). The player's last step is the largest over the paths and the
 * curves: a path shorter than that (a diverged run leaves the map) holds at its last point, and
 * a curve shows only its points up to the current step. Each trace is painted with its own
 * axes (xaxis "x2" -> _fullLayout.xaxis2), so maps side by side each keep their scale.
 * The network's output graph ("network-output") holds one Plotly frame per kept step, named
 * by its step, layout.meta.frame_steps listing them: the frame at or before the player's step
 * is put in (z of trace 0 for a decision boundary, y of traces 1 + s for fitted curves).
 *
 * Presentation mode (P) enlarges the page's text by CSS and every graph's fonts by relayout,
 * again on each new figure, and survives a new lesson's page (sessionStorage).
 *
 * Long arrays arrive as plotly's typed arrays ({dtype, bdata[, shape]}, base64): arr() decodes
 * them once (cached per object) into Float32Array and friends; rows of a 2D array are
 * subarrays, so rows are tested with isRow(), not Array.isArray. The 3D path is thinned more
 * than the map's: its point is found by its own steps (customdata), not the map's index.
 */
(function () {
  "use strict";
  function slots(figure) {
    // R, the number of run slots, as the figure says (layout.meta.runs: app/figures/style.py).
    var meta = figure && figure.layout && figure.layout.meta;
    return meta && typeof meta.runs === "number" ? meta.runs : 0;
  }

  function arrowTraces(gd) {
    // The map's gradient, update and batch arrows follow its 1 + 3R run traces and two marks.
    var first = 1 + 3 * slots(gd) + 2;
    return [first, first + 1, first + 2];
  }
  var DURATION_MS = 6000;
  var FOLLOW_MS = 600;  // the slider follows a typed rate at the latest this long after it (or after its run is drawn, on a busy page)
  var pendingFollow = null;  // the slider's last pending move (followRate): earlier ones are dropped
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
    for (var s = 0; s < slots(gd); s++) {
      var whole = gd.data[1 + 3 * s];
      var x = whole && arr(whole.x);
      if (!x || !x.length) continue;
      out.push({ slot: s, x: x, y: arr(whole.y), info: arr(whole.customdata) });
    }
    return out;
  }

  function stepOf(info, i) { return isRow(info[i]) ? info[i][0] : info[i]; }

  function countUpTo(info, step) {
    // How many displayed points have an iteration <= step (binary search; 0 if none).
    var lo = 0, hi = info.length;
    while (lo < hi) {
      var mid = (lo + hi) >> 1;
      if (stepOf(info, mid) <= step) lo = mid + 1; else hi = mid;
    }
    return lo;
  }

  function indexAt(info, step) {
    // Largest displayed index whose iteration is <= step (the first one if none is).
    return Math.max(0, countUpTo(info, step) - 1);
  }

  function lastStep(info) { return info && info.length ? Number(stepOf(info, info.length - 1)) || 0 : 0; }

  var CURVES = ["loss-graph", "lr-graph", "third-graph"];

  function curveSteps(curve) {
    // A curve's iteration per point: its customdata when it has one per point, else its x.
    var x = curve && arr(curve.x), steps = curve && arr(curve.customdata);
    if (!x || !x.length) return null;
    return steps && steps.length === x.length ? steps : x;
  }

  function isDataFit(gd) { return gd.data[0] && gd.data[0].name === "data"; }

  function totalSteps() {
    // The last step of any run: on the map or on a curve (a curve may go on after the path
    // has left the map).
    var total = 0;
    runs().forEach(function (r) { total = Math.max(total, lastStep(r.info)); });
    CURVES.forEach(function (id) {
      var gd = plot(id);
      if (!gd) return;
      for (var s = 0; s < slots(gd); s++) {
        var trace = isDataFit(gd) ? gd.data[1 + s] : gd.data[s];
        var steps = trace && (isDataFit(gd) ? arr(trace.customdata) : curveSteps(trace));
        total = Math.max(total, lastStep(steps));
      }
    });
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
    CURVES.forEach(function (id) { paintCurves(plot(id), step); });
    paintOutput(plot("network-output"), step);
    label();
  }

  // ------------------------------------------------------------------ network output frames

  function plainArray(v) {
    // A frame's values as Plotly.update takes them: plain arrays (rows of a 2D z too).
    var a = arr(v);
    if (!isRow(a)) return a;
    return Array.prototype.map.call(a, function (row) { return isRow(row) ? Array.prototype.slice.call(row) : row; });
  }

  function paintOutput(gd, step) {
    // The frame at or before the step (layout.meta.frame_steps, frames named by their step)
    // is put in when it changes: z of the decision boundary or y of each fitted curve.
    // Plotly.update, not restyle: Dash would store a restyle as restyleData.
    var meta = gd && gd.layout && gd.layout.meta, steps = meta && meta.frame_steps;
    var store = gd && gd._transitionData, frames = store && store._frames;
    if (!steps || !steps.length || !frames || !frames.length || !window.Plotly) return;
    var k = indexAt(steps, step);
    var frame = (store._frameHash && store._frameHash[String(steps[k])]) || frames[Math.min(k, frames.length - 1)];
    if (!frame || !frame.data || (gd.__frameShown === frame && gd.__frameLayout === gd.layout)) return;
    gd.__frameShown = frame;
    gd.__frameLayout = gd.layout;
    var update = {}, indices = frame.traces || frame.data.map(function (_, i) { return i; });
    frame.data.forEach(function (trace, i) {
      Object.keys(trace).forEach(function (key) {
        (update[key] = update[key] || new Array(frame.data.length))[i] = plainArray(trace[key]);
      });
    });
    window.Plotly.update(gd, update, {}, indices);
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

  function axesOf(gd, index) {
    // The axes trace `index` is drawn on: its own xaxis/yaxis ("x2" -> layout.xaxis2).
    var layout = gd._fullLayout, full = gd._fullData && gd._fullData[index], own = gd.data[index] || {};
    if (!layout) return null;
    var xid = (full && full.xaxis) || own.xaxis || "x", yid = (full && full.yaxis) || own.yaxis || "y";
    var xa = layout["xaxis" + xid.slice(1)], ya = layout["yaxis" + yid.slice(1)];
    return xa && ya && xa.c2p && ya.c2p ? [xa, ya] : null;
  }

  function toPixels(ax, value) { return ax.c2p(ax.d2c(value)); }

  var FAR_PX = 1e5;  // a point far off the plot is drawn at this distance (the plot clips it)

  function clampPx(v) { return v > FAR_PX ? FAR_PX : v < -FAR_PX ? -FAR_PX : v; }

  function pixels(gd, trace, xa, ya) {
    // A trace's points in pixels and as "x,y" path text, cached until Plotly redraws the
    // graph (axes may have moved). A point an axis cannot place (a log axis at 0) is a gap.
    var hit = trace.__pixels;
    if (hit && hit.redraw === gd.__redraws && hit.xa === xa && hit.ya === ya) return hit;
    var x = arr(trace.x) || [], y = arr(trace.y) || [], n = x.length;
    var out = { redraw: gd.__redraws, xa: xa, ya: ya, x: new Float64Array(n), y: new Float64Array(n), text: new Array(n), gaps: false };
    for (var k = 0; k < n; k++) {
      var px = toPixels(xa, x[k]), py = toPixels(ya, y[k]);
      out.x[k] = px; out.y[k] = py;
      if (isFinite(px) && isFinite(py)) out.text[k] = clampPx(px).toFixed(2) + "," + clampPx(py).toFixed(2);
      else { out.text[k] = null; out.gaps = true; }
    }
    Object.defineProperty(trace, "__pixels", { value: out, writable: true, configurable: true, enumerable: false });
    return out;
  }

  function linePath(p, count, shape) {
    // The SVG path of the first `count` points: straight segments, or Plotly's steps ("hv",
    // "vh"); a gap starts a new segment.
    if (!p.gaps && shape !== "hv" && shape !== "vh") return count > 1 ? "M" + p.text.slice(0, count).join("L") : "M0,0";
    var out = [], pen = false, drawn = 0;
    for (var k = 0; k < count; k++) {
      if (p.text[k] === null) { pen = false; continue; }
      if (!pen) out.push("M" + p.text[k]);
      else if (shape === "hv") out.push("H" + clampPx(p.x[k]).toFixed(2) + "V" + clampPx(p.y[k]).toFixed(2));
      else if (shape === "vh") out.push("V" + clampPx(p.y[k]).toFixed(2) + "H" + clampPx(p.x[k]).toFixed(2));
      else out.push("L" + p.text[k]);
      pen = true;
      drawn++;
    }
    return drawn > 1 ? out.join("") : "M0,0";
  }

  function paintPrefix(gd, node, p, count, shape) {
    // Show the first `count` points of a line(+markers)(+text) trace Plotly drew whole.
    // Markers and labels are hidden, not removed; after a redraw (Plotly may reuse the
    // nodes) every one is set again.
    if (!node) return;
    var line = node.querySelector("path.js-line");
    if (line) line.setAttribute("d", linePath(p, count, shape));
    if (node.__redraw !== gd.__redraws) {
      node.__redraw = gd.__redraws;
      node.__markers = node.querySelectorAll(".points path.point");
      node.__labels = node.querySelectorAll(".text .textpoint");
      node.__shown = -1;
    }
    var shown = node.__shown;
    if (shown === count) return;
    [node.__markers, node.__labels].forEach(function (marks) {
      var low = shown < 0 ? 0 : Math.min(shown, count);
      var high = shown < 0 ? marks.length : Math.min(Math.max(shown, count), marks.length);
      for (var k = low; k < high; k++) marks[k].style.display = k < count ? "" : "none";
    });
    node.__shown = count;
  }

  function movePoint(node, x, y) {
    // The current point at (x, y); hidden where it has none (a run not started yet).
    var point = node && node.querySelector(".points path.point");
    if (!point) return;
    var shown = isFinite(x) && isFinite(y);
    point.style.display = shown ? "" : "none";
    if (shown) point.setAttribute("transform", "translate(" + x + "," + y + ")");
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
    // Each run on its own map's axes (maps side by side carry xaxis "x2", ...). A path
    // shorter than the step (it left the map) holds at its last point.
    positions.forEach(function (at) {
      var slot = at.run.slot, soFar = gd.data[2 + 3 * slot], axes = axesOf(gd, 2 + 3 * slot);
      if (!soFar || !axes) return;
      var p = pixels(gd, soFar, axes[0], axes[1]), last = Math.min(at.i, p.x.length - 1);
      paintPrefix(gd, traceNode(gd, 2 + 3 * slot), p, last + 1, "linear");
      var pointAxes = axesOf(gd, 3 + 3 * slot) || axes;
      var px = pointAxes === axes ? p.x[last] : toPixels(pointAxes[0], arr(soFar.x)[last]);
      var py = pointAxes === axes ? p.y[last] : toPixels(pointAxes[1], arr(soFar.y)[last]);
      movePoint(traceNode(gd, 3 + 3 * slot), px, py);
    });
    // The arrows of the first run, from its row [step, gradient x, y, update x, y(, batch x, y)].
    var first = positions[0], row = first.run.info[first.i];
    var x = first.run.x[first.i], y = first.run.y[first.i];
    var arrows = arrowTraces(gd);
    for (var k = 0; k < arrows.length; k++) {
      var has = isRow(row) && row.length >= 3 + 2 * k, arrowAxes = axesOf(gd, arrows[k]);
      if (!arrowAxes) continue;
      paintArrow(traceNode(gd, arrows[k]), gd.data[arrows[k]], arrowAxes[0], arrowAxes[1], x, y, has ? row[1 + 2 * k] : 0, has ? row[2 + 2 * k] : 0);
    }
  }

  function paintCurves(gd, step) {
    // Each curve up to the current step, found by its own iterations (customdata, else x):
    // what is still to come stays hidden, as on the map.
    if (!gd || !gd._fullLayout) return;
    if (isDataFit(gd)) { paintFittedLines(gd, step); return; }
    var R = slots(gd);
    for (var s = 0; s < R; s++) {
      var curve = gd.data[s], steps = curveSteps(curve), axes = axesOf(gd, s);
      if (!steps || !axes) continue;
      var count = countUpTo(steps, step), full = gd._fullData && gd._fullData[s];
      var p = pixels(gd, curve, axes[0], axes[1]);
      paintPrefix(gd, traceNode(gd, s), p, count, full && full.line ? full.line.shape : "linear");
      var pointAxes = axesOf(gd, R + s) || axes, j = count - 1;
      var cx = arr(curve.x), cy = arr(curve.y);
      movePoint(traceNode(gd, R + s), j < 0 ? NaN : toPixels(pointAxes[0], cx[j]), j < 0 ? NaN : toPixels(pointAxes[1], cy[j]));
    }
  }

  function paintFittedLines(gd, step) {
    // Line s carries rows [iteration, w, b]; slope and intercept in raw units of x.
    for (var s = 0; s < slots(gd); s++) {
      var line = gd.data[1 + s], axes = axesOf(gd, 1 + s);
      var rows = line && arr(line.customdata), lx = line && arr(line.x);
      if (!line || !line.meta || !rows || !rows.length || !axes) continue;
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
        window.requestAnimationFrame(function () { refreshTotal(); render(true); });
      });
    });
  }

  function refreshTotal() {
    // The graphs draw one by one: a curve that goes on past the map's path may arrive after
    // the map. While paused, the total follows, and a player at the end stays at the end.
    if (state.playing) return;
    var total = totalSteps();
    if (total === state.total) return;
    var atEnd = state.step >= state.total;
    state.total = total;
    state.step = atEnd ? total : Math.min(state.step, total);
    label();
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
    var info = all[0].info;
    // Past the end of the map's path (a run that left the map) the curves go on step by step.
    if (state.step + direction > lastStep(info)) { seek(state.step + direction); return; }
    var i = indexAt(info, state.step) + direction;
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

  // ------------------------------------------------------------------ presentation mode

  // Read from the back of a room: no text under PRESENT_MIN_PX, the rest a third larger.
  var PRESENT_MIN_PX = 20, PRESENT_SCALE = 1.35, PRESENT_KEY = "descentLab.presenting";
  var FONT_KEY = /font$/;

  function isPresenting() {
    var page = document.getElementById("page");
    return !!page && page.classList.contains("presenting");
  }

  function enlarged(size) { return Math.max(PRESENT_MIN_PX, Math.round(size * PRESENT_SCALE)); }

  function fontEdits(node, path, out) {
    // Every font size under node (a layout or a trace), as Plotly attribute strings: the
    // fonts' own sizes, and inline font-size:Npx in a text (the map's title key). Data arrays
    // are skipped (they hold no fonts).
    if (!node || typeof node !== "object" || isRow(node) && typeof node[0] !== "object") return;
    var keys = Array.isArray(node) ? node.map(function (_, i) { return i; }) : Object.keys(node);
    keys.forEach(function (key) {
      var value = node[key], where = Array.isArray(node) ? path + "[" + key + "]" : (path ? path + "." : "") + key;
      if (FONT_KEY.test(String(key)) && value && typeof value === "object" && !Array.isArray(value)) {
        if (typeof value.size === "number") out[where + ".size"] = value.size;
      } else if (key === "text" && typeof value === "string" && /font-size:\s*\d/.test(value)) {
        out[where] = value;
      } else if (value && typeof value === "object" && !value.bdata && key !== "x" && key !== "y" && key !== "z" && key !== "customdata") {
        fontEdits(value, where, out);
      }
    });
  }

  function biggerText(text) {
    return text.replace(/font-size:\s*(\d+(?:\.\d+)?)px/g, function (_, size) { return "font-size:" + enlarged(Number(size)) + "px"; });
  }

  function grown(value, floor) {
    if (typeof value === "string") return biggerText(value);
    return Math.max(floor || 0, enlarged(typeof value === "number" ? value : 12));  // unset: Plotly's default 12
  }

  // Plotly draws some tick labels smaller than the tick font: an exponent (10 to the -15) at
  // 70% (on a log axis of 1.25 times the size), and a log axis left to choose its own ticks
  // labels the 2s and 5s between decades at 75%. These tick sizes keep them at PRESENT_MIN_PX.
  var SMALL_TICKS_PX = {
    power: Math.ceil(PRESENT_MIN_PX / 0.7),
    logPower: Math.ceil(PRESENT_MIN_PX / 0.7 / 1.25),
    logDigits: Math.ceil(PRESENT_MIN_PX / 0.75)
  };

  function needsExponent(range) {
    // A linear axis writes its labels as powers of ten only for large or tiny numbers.
    var largest = Math.max(Math.abs(range[0]), Math.abs(range[1]));
    return largest >= 1e4 || largest < 1e-2;
  }

  function smallTicks(gd, found, floors) {
    var full = gd._fullLayout || {};
    Object.keys(full).forEach(function (name) {
      var axis = full[name], own = gd.layout[name] || {}, floor = 0;
      if (!/^[xy]axis[0-9]*$/.test(name) || !axis || !axis.visible) return;
      // Decided from the figure's own settings (not the ticks drawn), so it never flips.
      if (axis.type === "log" && typeof own.dtick !== "number") floor = SMALL_TICKS_PX.logDigits;
      else if (axis.exponentformat === "power" && axis.type === "log") floor = SMALL_TICKS_PX.logPower;
      else if (axis.exponentformat === "power" && axis.type === "linear" && axis.range && needsExponent(axis.range)) floor = SMALL_TICKS_PX.power;
      if (!floor) return;
      var key = name + ".tickfont.size";
      if (!(key in found)) found[key] = own.tickfont ? own.tickfont.size : undefined;
      floors[key] = floor;
    });
  }

  function sizeEdits(record, found, on, floors) {
    // What to set so that each font shows its own size, or its enlarged one. A value this
    // player set itself counts as its original: Dash redraws a graph from a shallow copy
    // of its figure, whose nested fonts the last update changed in place.
    var edits = {}, any = false, inherited = found["font.size"];
    if (record["font.size"] && inherited === record["font.size"].shown) inherited = record["font.size"].original;
    Object.keys(found).forEach(function (key) {
      var now = found[key], seen = record[key];
      var original = seen && now === seen.shown ? seen.original : now;
      var target = on ? grown(original === undefined && /tickfont/.test(key) ? inherited : original, floors && floors[key]) : original;
      record[key] = { original: original, shown: target };
      if (target !== now) { edits[key] = target === undefined ? null : target; any = true; }
    });
    return any ? edits : null;
  }

  function present(gd) {
    // Enlarge one graph's fonts, or give them back; a no-op when they already are so.
    // Plotly.update, not relayout or restyle: Dash would store those as relayoutData or
    // restyleData and redraw its graphs, which would bring us back here.
    var layout = gd.layout;
    if (!layout || !window.Plotly) return;
    var on = isPresenting(), record = gd.__fontSizes || (gd.__fontSizes = { layout: {}, traces: [] });
    var found = {};
    fontEdits(layout, "", found);
    if (!("font.size" in found)) found["font.size"] = layout.font ? layout.font.size : undefined;
    var floors = {};
    smallTicks(gd, found, floors);
    var updates = [];
    var edits = sizeEdits(record.layout, found, on, floors);
    if (edits) updates.push([{}, edits, undefined]);
    (gd.data || []).forEach(function (trace, i) {
      var own = {};
      fontEdits(trace, "", own);
      Object.keys(own).forEach(function (key) { if (typeof own[key] !== "number") delete own[key]; });
      var traceEdits = sizeEdits(record.traces[i] || (record.traces[i] = {}), own, on);
      if (!traceEdits) return;
      Object.keys(traceEdits).forEach(function (key) { traceEdits[key] = [traceEdits[key]]; });
      updates.push([traceEdits, {}, [i]]);
    });
    updates.forEach(function (u) { window.Plotly.update(gd, u[0], u[1], u[2]); });
  }

  // ------------------------------------------------------------------ tick labels apart

  var TICK_GAP_PX = 3, MAX_TICK_TRIES = 3;

  function spaceTickLabels(gd) {
    // Plotly labels every tick even where the labels collide (a short axis with a fixed
    // dtick, large presentation fonts): label every n-th tick (ticklabelstep), n the fewest
    // that keeps them apart. n comes from the labels' size and the ticks' spacing, not from
    // what is drawn now, so it settles at once.
    var full = gd._fullLayout;
    if (!full || !window.Plotly) return;
    // A wider step can change the margins and so the spacing it was computed from: a step is
    // only narrowed again when the graph itself changed size, and a figure is re-spaced a
    // few times at most, so the two can never chase each other.
    var size = full.width + "x" + full.height, tries = gd.__tickTries || (gd.__tickTries = { layout: null, count: 0 });
    if (tries.layout !== gd.layout) gd.__tickGrown = {};  // a new figure starts afresh
    if (tries.layout !== gd.layout || tries.size !== size) { tries.layout = gd.layout; tries.size = size; tries.count = 0; }
    if (tries.count >= MAX_TICK_TRIES) return;
    var grown = gd.__tickGrown || (gd.__tickGrown = {});
    var edits = {}, any = false;
    Object.keys(full).forEach(function (name) {
      var axis = full[name];
      if (!/^[xy]axis[0-9]*$/.test(name) || !axis || !axis.visible || !axis.showticklabels || !axis._vals) return;
      var vertical = name.charAt(0) === "y", labels = gd.querySelectorAll("g." + axis._id + "tick > text");
      var extent = 0, rotated = false;
      Array.prototype.forEach.call(labels, function (text) {
        var box = text.getBoundingClientRect();
        extent = Math.max(extent, vertical ? box.height : box.width);
        if (/rotate\((?!0[,)])/.test(text.getAttribute("transform") || "")) rotated = true;
      });
      var at = axis._vals.filter(function (v) { return !v.minor; }).map(function (v) { return axis.l2p(v.x); });
      var gap = Infinity;
      for (var k = 1; k < at.length; k++) gap = Math.min(gap, Math.abs(at[k] - at[k - 1]));
      if (!extent || rotated || !isFinite(gap) || gap <= 0) return;
      var asked = gd.__tickSteps || (gd.__tickSteps = {});
      if (axis.type === "log") {
        // Plotly takes no ticklabelstep on a log axis: a figure's whole-decade dtick is widened
        // instead, as a multiple of its own (a later, larger pane gets it back).
        var own = (gd.layout[name] || {}).dtick, seen = (gd.__dticks || (gd.__dticks = {}))[name];
        if (typeof own !== "number" || own <= 0) return;  // Plotly's own log ticks keep apart
        var original = seen && own === seen.shown ? seen.original : own;
        var widen = Math.max(1, Math.ceil((extent + TICK_GAP_PX) / (gap * original / own)));
        if (grown[name] && grown[name].size === size && widen < grown[name].step) widen = grown[name].step;
        grown[name] = { size: size, step: widen };
        gd.__dticks[name] = { original: original, shown: original * widen };
        if (original * widen !== own && asked[name] !== "d" + original * widen) {
          asked[name] = "d" + original * widen;
          edits[name + ".dtick"] = original * widen;
          any = true;
        }
        return;
      }
      var step = Math.max(1, Math.ceil((extent + TICK_GAP_PX) / gap));
      if (grown[name] && grown[name].size === size && step < grown[name].step) step = grown[name].step;
      grown[name] = { size: size, step: step };
      // Asked once per value: an axis that does not take it is not asked again and again.
      if (step !== (axis.ticklabelstep || 1) && asked[name] !== step) { asked[name] = step; edits[name + ".ticklabelstep"] = step; any = true; }
    });
    if (any) { tries.count++; window.Plotly.update(gd, {}, edits); }
  }

  function presentAll() {
    // Every graph on the page, now and on each of its later figures (plotly_afterplot).
    Array.prototype.forEach.call(document.querySelectorAll(".js-plotly-plot"), function (gd) {
      if (typeof gd.on === "function" && !gd.__presentWatched) {
        gd.__presentWatched = true;
        gd.on("plotly_afterplot", function () { present(gd); spaceTickLabels(gd); });
      }
      if (gd._fullLayout) { present(gd); spaceTickLabels(gd); }
    });
  }

  function setPresenting(on) {
    var page = document.getElementById("page");
    if (!page) return;
    page.classList.toggle("presenting", on);
    try { window.sessionStorage.setItem(PRESENT_KEY, on ? "1" : ""); } catch (error) { /* storage off */ }
    presentAll();
    window.dispatchEvent(new Event("resize"));  // graphs refit their new boxes
  }

  function togglePresenting() { setPresenting(!isPresenting()); }

  function presentingBefore() {
    try { return window.sessionStorage.getItem(PRESENT_KEY) === "1"; } catch (error) { return false; }
  }

  // A lesson chosen while presenting opens a new page: it opens presented too.
  if (presentingBefore()) {
    var waiting = new MutationObserver(function () {
      if (!document.getElementById("page")) return;
      waiting.disconnect();
      setPresenting(true);
    });
    waiting.observe(document.documentElement, { childList: true, subtree: true });
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
    present: setPresenting,
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
      presentAll();  // watch graphs that drew their first figure since (fonts, tick labels)
      // A repaint after Plotly drew the new runs may have used the old step: draw them whole.
      render(true);
      label();
    }
  };

  window.dash_clientside = Object.assign({}, window.dash_clientside, {
    player: {
      load: function (figure) {
        // For each new map figure (app.callbacks, with maps.rowClass), and may fire again when
        // the graph reports our own restyles: only genuinely new paths move the player back to the end.
        var data = (figure && figure.data) || [];
        var key = [];
        for (var s = 0; s < slots(figure); s++) {
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
      },
      href: function () { return window.location.href; },
      go: function (target) {
        // A new page from its link (a lesson, a language, a stability-map cell).
        if (typeof target === "string" && target.charAt(0) === "/") window.location.assign(target);
        return window.dash_clientside.no_update;
      },
      syncRate: function (typed, exponent, low, high) {
        // The slider holds log10(lr): typing a rate moves the slider (pinned to its ends, the
        // error shows under the box); sliding sets the rate to 3 significant digits. Anything
        // that is not a number leaves both alone, and so does the slider following the box.
        var none = window.dash_clientside.no_update;
        var context = window.dash_clientside.callback_context || {};
        var fromSlider = (context.triggered || []).some(function (t) { return t.prop_id === "lr-slider.value"; });
        function number(v) { return typeof v === "number" && isFinite(v) ? v : null; }
        function clamp(v) { return Math.min(Math.max(v, low), high); }
        var rate = number(typed), follows = rate !== null && rate > 0 ? clamp(Math.log10(rate)) : null;
        if (fromSlider) {
          var e = number(exponent);
          return e === null || e === follows ? [none, none] : [Number(Math.pow(10, clamp(e)).toPrecision(3)), none];
        }
        return follows !== null ? [none, follows] : [none, none];
      },
      slideRate: function (exponent, typed, low, high) {
        return window.dash_clientside.player.syncRate(typed, exponent, low, high)[0];
      },
      followRate: function (typed, shown, low, high) {
        // The slider follows a typed rate once the new run is drawn (or after FOLLOW_MS, when
        // the rate draws nothing): moved at once, its re-render held back the run's request.
        // A rate the slider set (slideRate) leaves it where it is.
        var exponent = window.dash_clientside.player.syncRate(typed, null, low, high)[1];
        if (exponent === window.dash_clientside.no_update) return;
        if (typeof shown === "number" && Number(Math.pow(10, shown).toPrecision(3)) === typed) return;
        var gd = document.querySelector("#contour .js-plotly-plot"), timer = null;
        function move() {
          if (pendingFollow === follow) window.dash_clientside.set_props("lr-slider", { value: exponent });
        }
        function follow() {
          window.clearTimeout(timer);
          if (gd && gd.removeListener) gd.removeListener("plotly_afterplot", follow);
          // Once the change's other graphs are drawn too: the move sets off a callback of its
          // own (slideRate), whose bookkeeping would hold up their redraws.
          if (window.requestIdleCallback) window.requestIdleCallback(move, { timeout: FOLLOW_MS });
          else window.setTimeout(move, 0);
        }
        pendingFollow = follow;
        timer = window.setTimeout(follow, FOLLOW_MS);
        if (gd && gd.once) gd.once("plotly_afterplot", follow);
      },
      speed: function (speed) {
        window.descentLab.setSpeed(Number(speed) || 1);
        return speed;
      }
    }
  });
})();
