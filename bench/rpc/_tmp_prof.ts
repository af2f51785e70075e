import { renderSelfTime, topSelfTime } from '../lib/index.js';
for (const f of process.argv.slice(2)) console.log(f, '\n' + renderSelfTime(await topSelfTime(f, 28)));
