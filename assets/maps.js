/* Descent Lab: the maps row widens the contour when it holds several maps side by side
 * (raw, standardized, min-max; app/figures/maps.py counts them in layout.meta.maps). */
(function () {
  "use strict";
  window.dash_clientside = window.dash_clientside || {};
  window.dash_clientside.maps = {
    rowClass: function (figure) {
      var meta = figure && figure.layout && figure.layout.meta;
      return meta && meta.maps > 1 ? "maps several" : "maps";
    }
  };
})();
