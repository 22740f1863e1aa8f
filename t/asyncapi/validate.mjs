// Validates an AsyncAPI document with the official parser and prints its
// diagnostics as one JSON object:
//   {"parser":"<version>","asyncapi":"<version>","errors":N,"warnings":N,
//    "diagnostics":[{"severity","code","message","path"}...]}
// Usage: node t/asyncapi/validate.mjs FILE   (exit 0 when no errors)

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(join(here, '..', 'node', 'package.json'));
const { Parser, DiagnosticSeverity } = require('@asyncapi/parser');
const parserVersion = require('@asyncapi/parser/package.json').version;

const file = process.argv[2];
if (!file) {
    console.error('usage: validate.mjs FILE');
    process.exit(2);
}

const names = {
    [DiagnosticSeverity.Error]: 'error',
    [DiagnosticSeverity.Warning]: 'warning',
    [DiagnosticSeverity.Information]: 'information',
    [DiagnosticSeverity.Hint]: 'hint',
};

const parser = new Parser();

const { document, diagnostics } = await parser.parse(readFileSync(file, 'utf8'));
const out = diagnostics.map((d) => ({
    severity: names[d.severity] ?? String(d.severity),
    code: d.code,
    message: d.message,
    path: d.path.join('/'),
}));
const errors = out.filter((d) => d.severity === 'error').length;

console.log(JSON.stringify({
    parser: parserVersion,
    asyncapi: document ? document.version() : null,
    errors,
    warnings: out.filter((d) => d.severity === 'warning').length,
    diagnostics: out,
}));
process.exit(errors === 0 && document ? 0 : 1);
