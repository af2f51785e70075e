import { renderSelfTime, topSelfTime } from './lib/index.js';
for (const p of process.argv.slice(2)) console.log(p, '\n', renderSelfTime(await topSelfTime(p, 40)));
