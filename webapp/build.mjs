// Builds webapp/dist/main.js: one IIFE that Mattermost loads as the plugin's webapp bundle.
//
// React, ReactDOM, Redux and ReactRedux are provided by the Mattermost webapp as globals
// (window.React, ...). Bundling a second copy breaks hooks and context, so those imports are
// rewritten to the globals, and the build fails if any of them still ends up in the bundle.
//
// Usage: node build.mjs [--dev] [--outfile path]
import path from 'node:path';
import {fileURLToPath, pathToFileURL} from 'node:url';

import * as esbuild from 'esbuild';

const here = path.dirname(fileURLToPath(import.meta.url));

/** Module name -> host global. Sub-paths (react-dom/client, ...) map to the same global. */
export const HOST_GLOBALS = {
    react: 'React',
    'react-dom': 'ReactDOM',
    redux: 'Redux',
    'react-redux': 'ReactRedux',
};

const hostModuleName = (request) => {
    for (const name of Object.keys(HOST_GLOBALS)) {
        if (request === name || request.startsWith(name + '/')) {
            return name;
        }
    }
    return null;
};

/** esbuild plugin: `import React from 'react'` becomes `module.exports = window.React`. */
export const hostGlobalsPlugin = {
    name: 'mattermost-host-globals',
    setup(build) {
        build.onResolve({filter: /^(react|react-dom|redux|react-redux)(\/.*)?$/}, (args) => {
            const name = hostModuleName(args.path);
            if (name === null) {
                return undefined;
            }
            if (name === 'react' && args.path === 'react/jsx-runtime') {
                return {errors: [{text: 'the automatic JSX runtime is not supported: use "jsx": "react" (classic)'}]};
            }
            return {path: name, namespace: 'host-global'};
        });
        build.onLoad({filter: /.*/, namespace: 'host-global'}, (args) => ({
            contents: `module.exports = window[${JSON.stringify(HOST_GLOBALS[args.path])}];`,
            loader: 'js',
        }));
    },
};

/**
 * Returns the list of bundled inputs that belong to a host-provided package (empty when clean).
 * `scheduler` is React's own dependency and would only be there if React was bundled.
 */
export function findBundledHostPackages(metafile) {
    const forbidden = [...Object.keys(HOST_GLOBALS), 'scheduler'];
    const offenders = [];
    for (const input of Object.keys(metafile.inputs)) {
        const normalized = input.split(path.sep).join('/');
        for (const name of forbidden) {
            if (normalized.includes(`node_modules/${name}/`)) {
                offenders.push(input);
            }
        }
    }
    return offenders;
}

/** Builds the bundle; throws when a host package was bundled. */
export async function build({outfile = path.join(here, 'dist', 'main.js'), dev = false} = {}) {
    const result = await esbuild.build({
        absWorkingDir: here,
        entryPoints: [path.join(here, 'src', 'index.tsx')],
        bundle: true,
        format: 'iife',
        platform: 'browser',
        target: ['es2020'],
        outfile,
        jsx: 'transform',
        jsxFactory: 'React.createElement',
        jsxFragment: 'React.Fragment',
        minify: !dev,
        sourcemap: dev ? 'inline' : false,
        legalComments: 'none',
        metafile: true,
        logLevel: 'warning',
        define: {'process.env.NODE_ENV': JSON.stringify(dev ? 'development' : 'production')},
        plugins: [hostGlobalsPlugin],
    });
    const offenders = findBundledHostPackages(result.metafile);
    if (offenders.length > 0) {
        throw new Error('host-provided packages were bundled into main.js (they must come from window.*):\n  ' + offenders.join('\n  '));
    }
    return result;
}

const invokedDirectly = process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href;
if (invokedDirectly) {
    const args = process.argv.slice(2);
    const outIndex = args.indexOf('--outfile');
    const outfile = outIndex >= 0 ? path.resolve(args[outIndex + 1]) : undefined;
    try {
        const result = await build({outfile, dev: args.includes('--dev')});
        const [out, info] = Object.entries(result.metafile.outputs).find(([name]) => name.endsWith('.js'));
        console.log(`built ${out} (${info.bytes} bytes); react, react-dom, redux, react-redux come from window.*`);
    } catch (err) {
        console.error(`build failed: ${err.message}`);
        process.exit(1);
    }
}
