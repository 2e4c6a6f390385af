import type {Metafile, BuildResult, Plugin} from 'esbuild';

export const HOST_GLOBALS: Record<string, string>;
export const hostGlobalsPlugin: Plugin;
export function findBundledHostPackages(metafile: Metafile): string[];
export function build(options?: {outfile?: string; dev?: boolean}): Promise<BuildResult & {metafile: Metafile}>;
