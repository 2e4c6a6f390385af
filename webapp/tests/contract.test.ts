// @vitest-environment node
// The post contract: the webapp's constants say what the server writes (src/contract.json, which
// server/wapost/contract_test.go checks against the Go constants), and nothing else reads props.
import {readFileSync, readdirSync} from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';

import {describe, expect, it} from 'vitest';

import {POST_TYPES, PROPS} from '../src/contract';
import contract from '../src/contract.json';

const src = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'src');
const sorted = (values: Iterable<string>) => [...values].sort();

function sourceFiles(dir: string): string[] {
    return readdirSync(dir, {withFileTypes: true}).flatMap((e) => {
        const full = path.join(dir, e.name);
        if (e.isDirectory()) {
            return sourceFiles(full);
        }
        return /\.tsx?$/.test(e.name) ? [full] : [];
    });
}

describe('post contract', () => {
    it('has exactly the prop keys the server writes', () => {
        expect(sorted(Object.values(PROPS))).toEqual(sorted(Object.values(contract.props)));
    });

    it('has exactly the post types the server writes', () => {
        expect(sorted(Object.values(POST_TYPES))).toEqual(sorted(Object.values(contract.post_types)));
    });

    it('names each prop and post type once', () => {
        expect(new Set(Object.values(PROPS)).size).toBe(Object.keys(PROPS).length);
        expect(new Set(Object.values(POST_TYPES)).size).toBe(Object.keys(POST_TYPES).length);
    });

    it('is the only place that spells a prop key or post type', () => {
        const offenders: string[] = [];
        for (const file of sourceFiles(src)) {
            if (path.basename(file) === 'contract.ts') {
                continue;
            }
            readFileSync(file, 'utf8').split('\n').forEach((line, i) => {
                if (/['"`](wa_[a-z_]+|custom_whatsapp_[a-z_]+)['"`]/.test(line)) {
                    offenders.push(`${path.relative(src, file)}:${i + 1}: ${line.trim()}`);
                }
            });
        }
        expect(offenders).toEqual([]);
    });
});
