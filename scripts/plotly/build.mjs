// Builds assets/vendor/plotly-cockpit.min.js from scripts/plotly/entry.js (run by
// scripts/setup.sh; `npm run build:plotly` by hand). Options as plotly.js's own build.
import { readFile } from 'node:fs/promises';
import * as esbuild from 'esbuild';

// plotly.js imports MapLibre's stylesheet; like plotly's own bundles, inject it at load.
const inlineCss = {
    name: 'inline-css',
    setup(build) {
        build.onLoad({ filter: /\.css$/ }, async (args) => {
            const css = JSON.stringify(await readFile(args.path, 'utf8'));
            return {
                contents: `var s=document.createElement('style');s.textContent=${css};` +
                    'document.head.appendChild(s);',
                loader: 'js',
            };
        });
    },
};

await esbuild.build({
    entryPoints: ['scripts/plotly/entry.js'],
    outfile: 'assets/vendor/plotly-cockpit.min.js',
    bundle: true,
    minify: true,
    format: 'iife',
    globalName: 'Plotly',
    target: 'es2016',
    define: { global: 'window', 'define.amd': 'false', 'process.env.NODE_DEBUG': 'false' },
    plugins: [inlineCss],
    legalComments: 'eof',
    logLevel: 'warning',
});
