/*
 * What the node scripts of the tests and benchmarks share: the npm
 * packages of t/node (package.json, package-lock.json), and how a script
 * stops when misused.
 *
 *     const { fatal, load } = require('./node_deps.js')('NAME');
 *
 * load(PACKAGE): the package from t/node/node_modules, or a fatal error
 * saying to run ./build.sh deps; fatal(MESSAGE): "NAME: MESSAGE" on
 * stderr, exit status 2 (a test that misuses a script fails at once).
 */

'use strict';

const path = require('path');
const { createRequire } = require('module');

const NODE_DIR = path.join(__dirname, '..', 'node');

module.exports = (who) => {
    const fatal = (msg) => {
        process.stderr.write(who + ': ' + msg + '\n');
        process.exit(2);
    };

    const load = (name) => {
        const req = createRequire(path.join(NODE_DIR, 'package.json'));

        try {
            return req(name);
        } catch (e) {
            fatal(name + ' is not installed in ' + NODE_DIR
                  + ': run ./build.sh deps (' + e.message + ')');
        }
        return undefined;
    };

    return { fatal, load };
};
