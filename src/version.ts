/** The tool's version, from package.json (inlined by the bundler in the single binary). */
import packageJson from '../package.json' with { type: 'json' };

export const TOOL_VERSION: string = packageJson.version;
