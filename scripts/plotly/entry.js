// The cockpit's own Plotly bundle: only the trace types the dashboard draws, plus German.
// The full plotly.min.js (4.8 MB) takes ~1 s of main-thread time to evaluate on our
// machines; this bundle ~0.3 s. Dash's graph component uses window.Plotly when it exists.
// Keep the list in step with cockpit/dashboard (tests/dashboard/test_plotly_bundle.py).
'use strict';
var Plotly = require('plotly.js/lib/core'); // includes the scatter trace

Plotly.register([
    require('plotly.js/lib/bar'),
    require('plotly.js/lib/scattermap'),
    require('plotly.js/lib/choroplethmap'),
    require('plotly.js/lib/locales/de'),
]);

module.exports = Plotly;
