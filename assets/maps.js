/* Descent Lab: the maps row.
 * - It widens the contour when it holds several maps side by side (raw, standardized,
 *   min-max; app/figures/maps.py counts them in layout.meta.maps).
 * - The map's contour is a graph of its own under the paths graph (app/figures/layers.py):
 *   after every zoom, pan or redraw of either, the layer takes the paths graph's ranges, so
 *   both plots show the same window. */
(function () {
  "use strict";

  function plot(id) { return document.querySelector("#" + id + " .js-plotly-plot"); }

  function axisKeys(layout) {
    return Object.keys(layout).filter(function (key) { return /^[xy]axis\d*$/.test(key); });
  }

  // The paths graph's ranges on the layer, where they differ (one relayout, or none). Only
  // when both have the same size: while one of them is being resized, ranges fitted to the
  // other's size would be fitted again (equal pixels per unit), differently, without end;
  // its own redraw calls this again. The same update is never asked for twice in a row.
  var busy = false, again = false, asked = null;
  function follow() {
    var paths = plot("contour"), layer = plot("contour-layer");
    if (busy) { again = true; return; }  // a redraw during the layer's relayout: look again after it
    if (!paths || !layer || !paths._fullLayout || !layer._fullLayout || !window.Plotly) return;
    if (!layer.data || !layer.data.length) return;  // an empty layer (the network's map draws its own)
    var ours = paths._fullLayout, theirs = layer._fullLayout;
    if (ours.width !== theirs.width || ours.height !== theirs.height) return;
    var update = {};
    axisKeys(ours).forEach(function (key) {
      var want = ours[key].range, have = theirs[key] && theirs[key].range;
      if (!want || !have) return;
      var close = 1e-9 * Math.abs(want[1] - want[0]);
      if (Math.abs(want[0] - have[0]) > close || Math.abs(want[1] - have[1]) > close) update[key + ".range"] = want.slice();
    });
    var text = JSON.stringify(update);
    if (text === "{}" || text === asked) { asked = null; return; }
    asked = text;
    busy = true;
    var done = function () {
      busy = false;
      if (again) { again = false; follow(); }
    };
    window.Plotly.relayout(layer, update).then(done, done);
  }

  // While a pan drags the paths, the layer moves with it, once a frame at most.
  var dragged = null;
  function following(event) {
    var first = dragged === null;
    dragged = Object.assign(dragged || {}, event);
    if (!first) return;
    window.requestAnimationFrame(function () {
      var update = {}, layer = plot("contour-layer");
      Object.keys(dragged).forEach(function (key) { if (/^[xy]axis\d*\.range/.test(key)) update[key] = dragged[key]; });
      dragged = null;
      if (layer && Object.keys(update).length) window.Plotly.relayout(layer, update);
    });
  }

  function attach() {
    var paths = plot("contour"), layer = plot("contour-layer");
    if (!paths || !layer || !paths.on || !layer.on) return false;
    if (!paths.__mapsFollowed) {
      paths.__mapsFollowed = true;
      paths.on("plotly_afterplot", follow);
      paths.on("plotly_relayout", follow);
      paths.on("plotly_relayouting", following);
    }
    if (!layer.__mapsFollowed) {
      layer.__mapsFollowed = true;
      layer.on("plotly_afterplot", follow);
    }
    follow();
    return true;
  }

  // The graphs mount with the page's first figures; look for them until both are there.
  function attachSoon(tries) {
    if (!attach() && tries > 0) window.setTimeout(function () { attachSoon(tries - 1); }, 100);
  }

  window.dash_clientside = window.dash_clientside || {};
  // The row's class for a new map figure; the same class is not set again (a prop set costs
  // the renderer an update of its whole store).
  var rowShown = null;
  window.dash_clientside.maps = {
    rowClass: function (figure) {
      attachSoon(100);
      var meta = figure && figure.layout && figure.layout.meta;
      var name = meta && meta.maps > 1 ? "maps several" : "maps";
      if (name === rowShown) return window.dash_clientside.no_update;
      rowShown = name;
      return name;
    }
  };
})();
