// Builds app/vendor/plotly.min.js: plotly.js's core (which holds scatter) and the traces
// Descent Lab draws, with plotly.js's own esbuild settings (its esbuild-config.js). The full
// plotly.min.js is 4.8 MB (1.47 MB gzipped); this one ~1.75 MB (0.58 MB), and it registers
// fewer modules for Plotly to walk at load. Run by `make plotly` (needs Node.js and npm).
'use strict';
const esbuild = require('esbuild');
const fs = require('fs');
const path = require('path');

// Every trace type app/figures draws (tests/test_plotly_bundle.py checks the figures and the
// page against this list, read back from the bundle's first line).
const TRACES = ['contour', 'heatmap', 'surface', 'scatter3d'];
const version = require('plotly.js/package.json').version;
const out = path.join(__dirname, '..', '..', 'app', 'vendor', 'plotly.min.js');
const entry = path.join(__dirname, 'entry.js');

fs.writeFileSync(entry, [
  "'use strict';",
  "var Plotly = require('plotly.js/lib/core');",
  'Plotly.register([' + TRACES.map((t) => `require('plotly.js/lib/${t}')`).join(', ') + ']);',
  'module.exports = Plotly;',
  '',
].join('\n'));

esbuild.build({
  entryPoints: [entry],
  outfile: out,
  format: 'iife',
  globalName: 'Plotly',
  bundle: true,
  minify: true,
  // plotly.js's registry names maplibre's stylesheet for map traces, which this bundle lacks
  loader: { '.css': 'empty' },
  alias: { stream: 'stream-browserify' },
  define: { global: 'window', 'define.amd': 'false' },
  target: 'es2016',
  banner: { js: `/* plotly.js v${version} (MIT, Plotly, Inc.), traces: scatter ${TRACES.join(' ')} */` },
}).then(() => fs.unlinkSync(entry), (error) => { console.error(error); process.exit(1); });
