// @vitest-environment node
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';

import * as esbuild from 'esbuild';
import {afterAll, describe, expect, it} from 'vitest';

import {build, findBundledHostPackages} from '../build.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const tmp = mkdtempSync(path.join(tmpdir(), 'wahd-build-'));

afterAll(() => rmSync(tmp, {recursive: true, force: true}));

describe('bundle', () => {
    it('is one IIFE that takes React, ReactDOM, Redux and ReactRedux from window', async () => {
        const outfile = path.join(tmp, 'main.js');
        const result = await build({outfile});
        expect(findBundledHostPackages(result.metafile)).toEqual([]);
        const inputs = Object.keys(result.metafile.inputs);
        expect(inputs.some((i) => i.includes('node_modules'))).toBe(false);

        const code = readFileSync(outfile, 'utf8');
        expect(code.startsWith('"use strict";(()=>{')).toBe(true);
        expect(code).toContain('window.React');
        expect(code).toContain('whatsapp-helpdesk');

        // React's own source is not there.
        for (const marker of ['__SECRET_INTERNALS_DO_NOT_USE_OR_YOU_WILL_BE_FIRED', 'react.production', 'ReactCurrentDispatcher', 'unstable_scheduleCallback']) {
            expect(code, marker).not.toContain(marker);
        }
        expect(code).not.toMatch(/\brequire\(/);
        expect(code).not.toMatch(/^\s*(import|export)\s/m);
    });

    it('recognises a bundle that swallowed React', async () => {
        const entry = path.join(tmp, 'bad.js');
        writeFileSync(entry, "import React from 'react'; console.log(React.version);\n");
        const bad = await esbuild.build({entryPoints: [entry], bundle: true, write: false, metafile: true, absWorkingDir: root, nodePaths: [path.join(root, 'node_modules')], logLevel: 'silent'});
        const offenders = findBundledHostPackages(bad.metafile);
        expect(offenders.length).toBeGreaterThan(0);
        expect(offenders.join('\n')).toContain('node_modules/react/');
    });

    it('the committed dist, when present, is clean too', () => {
        let code: string;
        try {
            code = readFileSync(path.join(root, 'dist', 'main.js'), 'utf8');
        } catch {
            return; // not built yet: `npm run build` runs the same check
        }
        expect(code).not.toContain('__SECRET_INTERNALS_DO_NOT_USE_OR_YOU_WILL_BE_FIRED');
    });
});
