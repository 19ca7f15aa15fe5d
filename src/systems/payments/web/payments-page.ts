/** The payments page: our summary beside each processor's, processor controls, and a short load with its chart. */
export function paymentsPage(base: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>mensageiro · payments</title>
<style>
  body { font: 15px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 58rem; padding: 0 1rem; color: #1d2230; }
  h1 { font-size: 1.5rem; margin-bottom: .2rem; } p.lead { color: #555; margin-top: 0; }
  table { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; } th, td { text-align: left; padding: .35rem .6rem; border-bottom: 1px solid #e3e6ee; }
  td.num { font-variant-numeric: tabular-nums; text-align: right; }
  input, button { font: inherit; padding: .3rem .45rem; border: 1px solid #b9c0cf; border-radius: 5px; }
  input[type=number] { width: 6rem; } button { background: #2450d8; color: #fff; border: none; cursor: pointer; }
  button:disabled { background: #8894b8; cursor: wait; }
  .ok { color: #15803d; } .bad { color: #b91c1c; font-weight: 600; }
  #load { padding: 1rem; border: 1px solid #d8dce6; border-radius: 8px; }
  #result.error { color: #8a1c1c; }
  .chart { max-width: 100%; height: auto; } .chart text { font: 11px system-ui, sans-serif; fill: #333; } .chart .label { font-size: 12px; font-weight: 600; }
  .chart .small { font-size: 10px; fill: #666; } .chart .grid { stroke: #eee; } .chart .bar { fill: #8fb8de; } .chart .fail { fill: #c0392b; }
</style>
</head>
<body>
<h1>Payments</h1>
<p class="lead">The Rinha de Backend 2025 intermediary: <code>POST ${base}/payments</code> answers at once, then each payment goes to the
default processor (cheaper) or the fallback. Our summary must match the processors' own, payment for payment.</p>
<table id="summary">
  <thead><tr><th>processor</th><th>ours: payments</th><th>ours: amount</th><th>theirs: payments</th><th>theirs: amount</th><th>match</th><th>delay ms</th><th>failing</th></tr></thead>
  <tbody></tbody>
</table>
<p id="queue">queue: …</p>
<section id="load">
  <label>rate/s <input id="rate" type="number" value="300" min="1" max="2000"></label>
  <label>seconds <input id="seconds" type="number" value="5" min="1" max="20"></label>
  <button id="run">Run load</button>
  <button id="purge" type="button">Purge</button>
  <div id="result"></div>
  <div id="chart"></div>
</section>
<script>
const base = ${JSON.stringify(base)};
const money = (n) => n.toFixed(2);
async function refresh() {
  const res = await fetch(base + '/state');
  if (!res.ok) return;
  const s = await res.json();
  const rows = ['default', 'fallback'].map((p) => {
    const ours = s.backend[p], theirs = s.processors[p];
    const match = ours.totalRequests === theirs.totalRequests;
    return '<tr data-processor="' + p + '"><td>' + p + '</td><td class="num ours">' + ours.totalRequests + '</td><td class="num">' + money(ours.totalAmountCents / 100) +
      '</td><td class="num theirs">' + theirs.totalRequests + '</td><td class="num">' + money(theirs.totalAmountCents / 100) +
      '</td><td class="' + (match ? 'ok">✓' : 'bad">in flight or off') + '</td>' +
      '<td><input type="number" class="delay" min="0" value="' + theirs.delayMs + '"></td>' +
      '<td><input type="checkbox" class="failing"' + (theirs.failing ? ' checked' : '') + '></td></tr>';
  });
  const body = document.querySelector('#summary tbody');
  if (!body.contains(document.activeElement)) body.innerHTML = rows.join('');
  const d = s.dispatcher;
  document.getElementById('queue').textContent = 'queue: ' + d.queued + ' waiting · in flight: default ' + d.inFlight.default + ', fallback ' + d.inFlight.fallback + ' · accepted ' + d.accepted;
}
document.querySelector('#summary').addEventListener('change', async (e) => {
  const row = e.target.closest('tr');
  const body = e.target.classList.contains('delay') ? { delay: Number(e.target.value) } : { failure: e.target.checked };
  await fetch(base + '/processors/' + row.dataset.processor, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  e.target.blur();
  refresh();
});
document.getElementById('run').addEventListener('click', async () => {
  const button = document.getElementById('run'), out = document.getElementById('result');
  button.disabled = true; out.className = ''; out.textContent = 'running…';
  try {
    const res = await fetch(base + '/load', { method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ rate: Number(document.getElementById('rate').value), seconds: Number(document.getElementById('seconds').value) }) });
    const r = await res.json();
    if (!res.ok) { out.className = 'error'; out.textContent = r.error; return; }
    out.textContent = r.ok + ' of ' + r.count + ' answered 2xx at ' + r.rps + '/s · p50 ' + r.p50.toFixed(2) + ' ms · p99 ' + r.p99.toFixed(2) + ' ms · max ' + r.max.toFixed(2) + ' ms';
    document.getElementById('chart').innerHTML = r.chart;
  } catch (err) { out.className = 'error'; out.textContent = 'the load did not run: ' + err.message; }
  finally { button.disabled = false; }
});
document.getElementById('purge').addEventListener('click', async () => { await fetch(base + '/purge-payments', { method: 'POST' }); refresh(); });
refresh();
setInterval(refresh, 1000);
</script>
</body>
</html>
`;
}
